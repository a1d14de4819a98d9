"""The ledger entries read back: who was credited (or reversed) what, and when the partner was told."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from shop_shared.aws import from_item, is_condition_failure

from shop_loyalty.ports import EntryKind, LedgerEntry

from .ledger import ledger_key

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

__all__ = ["DynamoDbPartnerNotes", "entry_from_values"]


def entry_from_values(order_id: str, kind: EntryKind, values: dict[str, Any]) -> LedgerEntry:
    notified = values.get("partner_notified_at")
    if isinstance(notified, str):
        notified = datetime.fromisoformat(notified)
    return LedgerEntry(
        kind=kind,
        order_id=order_id,
        customer_id=values["customer_id"],
        points=int(values["points"]),
        month=values["month"],
        # Credit entries are credits; a reversal says whether it took a credit back or is a tombstone.
        credited=bool(values.get("credited", kind == "credit")),
        partner_notified_at=notified,
    )


class DynamoDbPartnerNotes:
    def __init__(self, dynamodb_client: DynamoDBClient, ledger_table: str) -> None:
        self._client = dynamodb_client
        self._table = ledger_table

    async def entry(self, order_id: str, kind: EntryKind) -> LedgerEntry | None:
        response = await self._client.get_item(
            TableName=self._table, Key={"order_id": {"S": ledger_key(order_id, kind)}}, ConsistentRead=True
        )
        if "Item" not in response:
            return None
        return entry_from_values(order_id, kind, from_item(response["Item"]))

    async def mark_partner_notified(self, order_id: str, at: datetime, kind: EntryKind = "credit") -> None:
        """Set once: a second success (a concurrent redelivery) keeps the first time."""
        try:
            await self._client.update_item(
                TableName=self._table,
                Key={"order_id": {"S": ledger_key(order_id, kind)}},
                UpdateExpression="SET partner_notified_at = if_not_exists(partner_notified_at, :at)",
                ConditionExpression="attribute_exists(order_id)",
                ExpressionAttributeValues={":at": {"S": at.isoformat()}},
            )
        except ClientError as error:
            if is_condition_failure(error):
                raise LookupError(f"no {kind} ledger entry for order {order_id}") from error
            raise
