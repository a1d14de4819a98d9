"""The records of one order's story, read by key and projected to what an operator may see."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from shop_loyalty.adapters.ledger import ledger_key
from shop_shared.aws import from_item, to_item

from shop_devtools.shopctl.exceptions import TableNotFound

from .session import error_code, explained

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

__all__ = ["OrderRecords"]


class OrderRecords:
    """The order story's reads of ShopAws, which opens the client.

    One order's records, by key only (GetItem, or a Query of one customer's notifications), each projected to
    what an operator may see: never the payment token, the contact ciphertext, a destination or a message text."""

    dynamodb: DynamoDBClient

    ORDER_FIELDS = tuple(
        "order_id customer_id currency total status created_at updated_at status_history created_event_id".split()
    )
    LEDGER_FIELDS = tuple("order_id kind points month credited credited_at reversed_at event_id".split())
    PAYMENT_FIELDS = tuple(
        "payment_id order_id status amount currency reason_code provider_reference refund_reference attempts "
        "unknown_since due_at created_at updated_at traceparent".split()
    )
    NOTIFICATION_FIELDS = tuple(
        "event_id event_type template channel status attempts created_at sent_at failed_at suppressed_at".split()
    )

    def order_record(self, table: str, order_id: str) -> dict[str, Any] | None:
        return self._item(table, {"order_id": order_id}, self.ORDER_FIELDS)

    def ledger_entries(self, table: str, order_id: str) -> list[dict[str, Any]]:
        """The order's credit and reversal entries (each its own item: see shop_loyalty's ledger_key)."""
        keys = [ledger_key(order_id, "credit"), ledger_key(order_id, "reversal")]
        return [item for key in keys if (item := self._item(table, {"order_id": key}, self.LEDGER_FIELDS))]

    def payment_record(self, table: str, payment_id: str) -> dict[str, Any] | None:
        return self._item(table, {"payment_id": payment_id}, self.PAYMENT_FIELDS)

    def order_notifications(self, table: str, customer_id: str, *, event_ids: list[str]) -> list[dict[str, Any]]:
        """The customer's notifications of these events: a Query of the customer's partition filtered on the ids."""
        if not event_ids:
            return []
        names = {f"#p{index}": name for index, name in enumerate(self.NOTIFICATION_FIELDS)}
        event_id = next(alias for alias, name in names.items() if name == "event_id")
        values = {":customer": customer_id} | {f":e{index}": value for index, value in enumerate(event_ids)}
        found: list[dict[str, Any]] = []
        with self._table_read(table):
            pages = self.dynamodb.get_paginator("query").paginate(
                TableName=table,
                KeyConditionExpression="customer_id = :customer",
                FilterExpression=f"{event_id} IN ({', '.join(f':e{index}' for index in range(len(event_ids)))})",
                ProjectionExpression=", ".join(names),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=to_item(values),
                ConsistentRead=True,
            )
            for page in pages:
                found += [from_item(raw) for raw in page.get("Items", [])]
        return found

    def _item(self, table: str, key: dict[str, str], fields: tuple[str, ...]) -> dict[str, Any] | None:
        names = {f"#p{index}": name for index, name in enumerate(fields)}
        with self._table_read(table):
            item = self.dynamodb.get_item(
                TableName=table,
                Key=to_item(key),
                ConsistentRead=True,
                ProjectionExpression=", ".join(names),
                ExpressionAttributeNames=names,
            ).get("Item")
        return from_item(item) if item else None

    @staticmethod
    @contextmanager
    def _table_read(table: str) -> Iterator[None]:
        with explained(f"table {table}"):
            try:
                yield
            except ClientError as error:
                if error_code(error) == "ResourceNotFoundException":
                    raise TableNotFound(f"table {table} does not exist (wrong --prefix, or not here?)") from error
                raise
