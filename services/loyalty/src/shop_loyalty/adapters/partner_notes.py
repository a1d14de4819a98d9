"""The partner part of the ledger entry: who was credited what, and when the partner was told."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError
from shop_shared.aws import from_item, is_condition_failure

__all__ = ["DynamoDbPartnerNotes"]


class DynamoDbPartnerNotes:
    def __init__(self, dynamodb_client: Any, ledger_table: str) -> None:
        self._client = dynamodb_client
        self._table = ledger_table

    async def credited(self, order_id: str) -> tuple[str, int, datetime | None] | None:
        response = await self._client.get_item(
            TableName=self._table, Key={"order_id": {"S": order_id}}, ConsistentRead=True
        )
        if "Item" not in response:
            return None
        entry = from_item(response["Item"])
        notified = entry.get("partner_notified_at")
        return entry["customer_id"], int(entry["points"]), datetime.fromisoformat(notified) if notified else None

    async def mark_partner_notified(self, order_id: str, at: datetime) -> None:
        """Set once: a second success (a concurrent redelivery) keeps the first time."""
        try:
            await self._client.update_item(
                TableName=self._table,
                Key={"order_id": {"S": order_id}},
                UpdateExpression="SET partner_notified_at = if_not_exists(partner_notified_at, :at)",
                ConditionExpression="attribute_exists(order_id)",
                ExpressionAttributeValues={":at": {"S": at.isoformat()}},
            )
        except ClientError as error:
            if is_condition_failure(error):
                raise LookupError(f"no ledger entry for order {order_id}") from error
            raise
