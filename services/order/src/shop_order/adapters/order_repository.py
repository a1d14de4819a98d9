"""Orders in DynamoDB: a new order and its outbox entries in one transaction, conditional status writes."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from shop_shared.aws import from_item, is_condition_failure, to_item
from shop_shared.contracts import EventEnvelope
from shop_shared.outbox import DynamoDbOutbox

from shop_order.domain import Order, OrderStatus
from shop_order.exceptions import DependencyUnavailable

__all__ = ["DuplicateOrderId", "DynamoDbOrderRepository"]

logger = logging.getLogger(__name__)


class DuplicateOrderId(RuntimeError):
    """A uuid4 collided with a stored order; the new order was not stored."""


def order_to_item(order: Order) -> dict[str, Any]:
    # JSON mode turns every Decimal into its exact string ("39.98") and datetimes into ISO 8601:
    # money never becomes a float on the way to DynamoDB.
    return to_item(order.model_dump(mode="json"))


def order_from_item(item: dict[str, Any]) -> Order:
    return Order.model_validate(from_item(item))


class DynamoDbOrderRepository:
    def __init__(self, dynamodb_client: Any, table_name: str, outbox: DynamoDbOutbox) -> None:
        self._client = dynamodb_client
        self._table = table_name
        self._outbox = outbox

    async def add(self, order: Order, events: Sequence[EventEnvelope[Any]]) -> None:
        put_order = {
            "Put": {
                "TableName": self._table,
                "Item": order_to_item(order),
                "ConditionExpression": "attribute_not_exists(order_id)",
            }
        }
        writes = [put_order, *(self._outbox.put_entry(envelope) for envelope in events)]
        try:
            await self._client.transact_write_items(TransactItems=writes)
        except ClientError as error:
            if is_condition_failure(error):
                raise DuplicateOrderId(order.order_id) from error
            raise self._unavailable("transact_write_items", error) from error
        except BotoCoreError as error:
            raise self._unavailable("transact_write_items", error) from error

    async def get(self, order_id: str) -> Order | None:
        try:
            response = await self._client.get_item(
                TableName=self._table, Key=to_item({"order_id": order_id}), ConsistentRead=True
            )
        except (ClientError, BotoCoreError) as error:
            raise self._unavailable("get_item", error) from error
        item = response.get("Item")
        return order_from_item(item) if item else None

    async def save_status_change(self, order: Order, *, expected: OrderStatus) -> bool:
        fields = order.model_dump(mode="json", include={"status", "updated_at", "status_history"})
        try:
            await self._client.update_item(
                TableName=self._table,
                Key=to_item({"order_id": order.order_id}),
                UpdateExpression=(
                    "SET #status = :status, updated_at = :updated_at, "
                    "status_history = list_append(status_history, :change)"
                ),
                ConditionExpression="#status = :expected",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=to_item(
                    {
                        ":status": fields["status"],
                        ":updated_at": fields["updated_at"],
                        ":change": fields["status_history"][-1:],
                        ":expected": str(expected),
                    }
                ),
            )
        except ClientError as error:
            if is_condition_failure(error):
                return False
            raise self._unavailable("update_item", error) from error
        except BotoCoreError as error:
            raise self._unavailable("update_item", error) from error
        return True

    def _unavailable(self, operation: str, error: Exception) -> DependencyUnavailable:
        logger.error(
            "orders table call failed",
            extra={"operation": operation, "table": self._table, "error": type(error).__name__, "detail": str(error)},
        )
        return DependencyUnavailable("DynamoDB")
