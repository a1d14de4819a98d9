"""Payments in DynamoDB: a conditional put accepts each event once; the outcome and its outbox entry
are written in one transaction, conditional on the payment still being PENDING."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError
from shop_shared.aws import from_item, is_condition_failure, to_item
from shop_shared.contracts import EventEnvelope
from shop_shared.outbox import DynamoDbOutbox

from shop_payment.domain import Payment, PaymentStatus

__all__ = ["DynamoDbPaymentRepository"]


def _to_item(payment: Payment) -> dict[str, Any]:
    values = payment.model_dump()
    values["status"] = payment.status.value
    values["created_at"] = payment.created_at.isoformat()
    values["updated_at"] = payment.updated_at.isoformat() if payment.updated_at else None
    return to_item(values)


def _from_item(item: dict[str, Any]) -> Payment:
    return Payment.model_validate(from_item(item))


class DynamoDbPaymentRepository:
    def __init__(self, dynamodb_client: Any, table_name: str, outbox: DynamoDbOutbox) -> None:
        self._client = dynamodb_client
        self._table = table_name
        self._outbox = outbox

    async def add(self, payment: Payment) -> bool:
        try:
            await self._client.put_item(
                TableName=self._table,
                Item=_to_item(payment),
                ConditionExpression="attribute_not_exists(payment_id)",
            )
        except ClientError as error:
            if is_condition_failure(error):
                return False
            raise
        return True

    async def get(self, payment_id: str) -> Payment | None:
        response = await self._client.get_item(
            TableName=self._table, Key=to_item({"payment_id": payment_id}), ConsistentRead=True
        )
        item = response.get("Item")
        return _from_item(item) if item else None

    async def pending_ids(self, older_than_seconds: float = 0.0) -> list[str]:
        """Payments accepted but not settled (interrupted, deferred or not yet done), accepted at least
        `older_than_seconds` ago; oldest first."""
        cutoff = datetime.now(UTC) - timedelta(seconds=older_than_seconds)
        pending: list[tuple[datetime, str]] = []
        paginator = self._client.get_paginator("scan")
        pages = paginator.paginate(
            TableName=self._table,
            ConsistentRead=True,
            FilterExpression="#status = :pending",
            ProjectionExpression="payment_id, #created_at",
            ExpressionAttributeNames={"#status": "status", "#created_at": "created_at"},
            ExpressionAttributeValues=to_item({":pending": PaymentStatus.PENDING.value}),
        )
        async for page in pages:
            for raw in page.get("Items", []):
                item = from_item(raw)
                created_at = datetime.fromisoformat(item["created_at"])
                if created_at <= cutoff:
                    pending.append((created_at, item["payment_id"]))
        return [payment_id for _, payment_id in sorted(pending)]

    async def record_outcome(self, settled: Payment, envelope: EventEnvelope[Any]) -> bool:
        changes: dict[str, Any] = {
            "status": settled.status.value,
            "updated_at": settled.updated_at.isoformat() if settled.updated_at else None,
            "provider_reference": settled.provider_reference,
            "reason_code": settled.reason_code,
        }
        changes = {name: value for name, value in changes.items() if value is not None}
        update = {
            "Update": {
                "TableName": self._table,
                "Key": to_item({"payment_id": settled.payment_id}),
                "UpdateExpression": "SET " + ", ".join(f"#{name} = :{name}" for name in changes),
                "ConditionExpression": "#status = :pending",
                "ExpressionAttributeNames": {f"#{name}": name for name in changes},
                "ExpressionAttributeValues": to_item(
                    {**{f":{name}": value for name, value in changes.items()}, ":pending": PaymentStatus.PENDING.value}
                ),
            }
        }
        try:
            await self._client.transact_write_items(TransactItems=[update, self._outbox.put_entry(envelope)])
        except ClientError as error:
            if is_condition_failure(error):
                return False
            raise
        return True
