"""Payments in DynamoDB, with a lease per payment and a sparse, sharded index of the work that is due.

- `lease_owner` names the one worker allowed to write a payment; every write of a step is conditional on it.
- `due_at` (a fixed-width UTC timestamp string, so it sorts as text) is when the next step is due. While a
  payment is leased, `due_at` is the lease's expiry: the sweep sees it again only once the lease has expired.
  A payment with nothing left to do has no `due_at` and no `work_shard`, so it is not in the index at all.
- `work_shard` spreads the index over WORK_SHARDS partitions; the sweep Queries each, never Scans the table.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from shop_shared.aws import from_item, is_condition_failure, stable_shard, to_item
from shop_shared.contracts import EventEnvelope
from shop_shared.outbox import DynamoDbOutbox
from shop_shared.outbox.unit_of_work import DynamoDbUnitOfWork, StateChange, TransactionCancelled

from shop_payment.domain import Payment

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

__all__ = ["DUE_WORK_INDEX", "WORK_SHARDS", "DynamoDbPaymentRepository", "due_key", "work_shard"]

DUE_WORK_INDEX = "due-work"
# Fixed for the table's life: changing it strands due work in shards nobody queries.
WORK_SHARDS = 8


def due_key(when: datetime) -> str:
    """Sorts as text in time order (fixed width, always UTC)."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def work_shard(payment_id: str) -> str:
    return stable_shard(payment_id, WORK_SHARDS)


def _to_item(payment: Payment, *, due_at: datetime | None, lease_owner: str | None = None) -> dict[str, Any]:
    values = payment.model_dump(exclude={"due_at"})
    values["status"] = payment.status.value
    for name in ("created_at", "updated_at", "unknown_since"):
        moment = getattr(payment, name)
        values[name] = moment.isoformat() if moment else None
    if due_at is not None:
        values["due_at"] = due_key(due_at)
        values["work_shard"] = work_shard(payment.payment_id)
    values["lease_owner"] = lease_owner
    return to_item(values)


def _from_item(item: dict[str, Any]) -> Payment:
    return Payment.model_validate(from_item(item))


class DynamoDbPaymentRepository:
    def __init__(self, dynamodb_client: DynamoDBClient, table_name: str, outbox: DynamoDbOutbox) -> None:
        self._client = dynamodb_client
        self._table = table_name
        # The handlers publish after the commit themselves (they know when a step's result is final).
        self._unit_of_work = DynamoDbUnitOfWork(dynamodb_client, outbox)

    async def add(self, payment: Payment, *, owner: str, lease_seconds: float) -> bool:
        lease_expiry = payment.created_at + timedelta(seconds=lease_seconds)
        try:
            await self._client.put_item(
                TableName=self._table,
                Item=_to_item(payment, due_at=lease_expiry, lease_owner=owner),
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

    async def claim(self, payment_id: str, *, owner: str, lease_seconds: float, now: datetime) -> Payment | None:
        # Work is due and either ours already or due now (while another worker's lease runs, due_at is its
        # expiry, so "due now" also means "that lease has expired").
        try:
            response = await self._client.update_item(
                TableName=self._table,
                Key=to_item({"payment_id": payment_id}),
                UpdateExpression="SET lease_owner = :owner, due_at = :lease_expiry",
                ConditionExpression="attribute_exists(due_at) AND (lease_owner = :owner OR due_at <= :now)",
                ExpressionAttributeValues=to_item(
                    {
                        ":owner": owner,
                        ":now": due_key(now),
                        ":lease_expiry": due_key(now + timedelta(seconds=lease_seconds)),
                    }
                ),
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if is_condition_failure(error):
                return None
            raise
        return _from_item(response["Attributes"])

    async def save(self, payment: Payment, *, owner: str, events: Sequence[EventEnvelope[Any]] = ()) -> bool:
        change = StateChange(
            f"payment:{payment.payment_id}",
            {
                "Put": {
                    "TableName": self._table,
                    "Item": _to_item(payment, due_at=payment.due_at),  # no lease_owner: released
                    "ConditionExpression": "lease_owner = :owner",
                    "ExpressionAttributeValues": to_item({":owner": owner}),
                }
            },
        )
        try:
            # One ordering key per payment: its payment.failed reaches the bus before its payment.refunded.
            await self._unit_of_work.commit([change], events, ordering_key=payment.payment_id)
        except TransactionCancelled as cancelled:
            if cancelled.condition_failed(change):
                return False
            raise
        return True

    async def due_ids(self, *, now: datetime, limit: int) -> list[str]:
        if limit <= 0:
            return []
        pages = await asyncio.gather(*(self._due_in_shard(str(shard), now, limit) for shard in range(WORK_SHARDS)))
        due = sorted(entry for page in pages for entry in page)
        return [payment_id for _, payment_id in due[:limit]]

    async def _due_in_shard(self, shard: str, now: datetime, limit: int) -> list[tuple[str, str]]:
        response = await self._client.query(
            TableName=self._table,
            IndexName=DUE_WORK_INDEX,
            KeyConditionExpression="work_shard = :shard AND due_at <= :now",
            ExpressionAttributeValues=to_item({":shard": shard, ":now": due_key(now)}),
            ProjectionExpression="payment_id, due_at",
            Limit=limit,
        )
        return [(item["due_at"]["S"], item["payment_id"]["S"]) for item in response.get("Items", [])]
