"""Orders in DynamoDB: a new order, its outbox entries and its idempotency record in one unit of work,
conditional status writes, and a customer's orders newest first through the by-customer index."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError
from shop_shared.aws import from_item, is_condition_failure, to_item
from shop_shared.contracts import EventEnvelope
from shop_shared.outbox import DynamoDbUnitOfWork
from shop_shared.outbox.unit_of_work import StateChange, TransactionCancelled, TransactionConflict

from shop_order.domain import IdempotencyRecord, Order, OrderPage, OrderStatus
from shop_order.exceptions import DependencyUnavailable, DuplicateOrderId, IdempotencyKeyTaken

from .idempotency_records import DynamoDbIdempotencyRecords
from .order_items import customer_index_key, order_from_item, order_to_item, sortable_time
from .page_cursor import decode_cursor, encode_cursor

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient
    from types_aiobotocore_dynamodb.type_defs import QueryInputTypeDef

__all__ = ["CUSTOMER_INDEX", "DynamoDbOrderRepository"]

logger = logging.getLogger(__name__)

CUSTOMER_INDEX = "by-customer"
# Concurrent requests with one idempotency key make DynamoDB cancel all but one transaction with
# TransactionConflict; retried, the losers see the winner's record and replay its answer.
CONFLICT_RETRIES = 4
CONFLICT_BACKOFF_SECONDS = 0.05


def _record_name(record: IdempotencyRecord) -> str:
    return f"idempotency:{record.idempotency_key}"


class DynamoDbOrderRepository:
    def __init__(
        self,
        dynamodb_client: DynamoDBClient,
        table_name: str,
        unit_of_work: DynamoDbUnitOfWork,
        idempotency_records: DynamoDbIdempotencyRecords,
    ) -> None:
        self._client = dynamodb_client
        self._table = table_name
        self._unit_of_work = unit_of_work
        self._idempotency = idempotency_records

    async def add(
        self, order: Order, events: Sequence[EventEnvelope[Any]], *, idempotency: IdempotencyRecord | None = None
    ) -> None:
        """Commit the order, its idempotency record and its events; the unit of work publishes them after."""
        new_order = self._new_order_change(order)
        changes = [new_order]
        if idempotency is not None:
            changes.append(StateChange(_record_name(idempotency), self._idempotency.put_entry(idempotency)))
        for attempt in range(CONFLICT_RETRIES + 1):
            try:
                await self._unit_of_work.commit(changes, events)
                return
            except TransactionConflict as conflict:
                if attempt == CONFLICT_RETRIES:
                    raise self._unavailable("transact_write_items", conflict) from conflict
            except TransactionCancelled as cancelled:
                if idempotency is not None and cancelled.condition_failed(_record_name(idempotency)):
                    raise IdempotencyKeyTaken(idempotency.idempotency_key) from cancelled
                if cancelled.condition_failed(new_order):
                    raise DuplicateOrderId(order.order_id) from cancelled
                raise self._unavailable("transact_write_items", cancelled) from cancelled
            except (ClientError, BotoCoreError) as error:
                raise self._unavailable("transact_write_items", error) from error
            await asyncio.sleep(CONFLICT_BACKOFF_SECONDS * 2**attempt * random.uniform(0.5, 1.5))

    def _new_order_change(self, order: Order) -> StateChange[dict[str, Any]]:
        put_order = {
            "Put": {
                "TableName": self._table,
                "Item": order_to_item(order),
                "ConditionExpression": "attribute_not_exists(order_id)",
            }
        }
        return StateChange(f"order:{order.order_id}", put_order)

    async def get(self, order_id: str) -> Order | None:
        try:
            response = await self._client.get_item(
                TableName=self._table, Key=to_item({"order_id": order_id}), ConsistentRead=True
            )
        except (ClientError, BotoCoreError) as error:
            raise self._unavailable("get_item", error) from error
        item = response.get("Item")
        return order_from_item(item) if item else None

    async def get_idempotency_record(self, key: str) -> IdempotencyRecord | None:
        return await self._idempotency.get(key)

    async def list_for_customer(self, customer_id: str, *, limit: int, cursor: str | None) -> OrderPage:
        query: QueryInputTypeDef = {
            "TableName": self._table,
            "IndexName": CUSTOMER_INDEX,
            "KeyConditionExpression": "customer_id = :customer",
            "ExpressionAttributeValues": to_item({":customer": customer_id}),
            "ScanIndexForward": False,  # newest first
            # One more than asked: a page that is followed by nothing gets no cursor (no empty last page).
            "Limit": limit + 1,
        }
        if cursor is not None:
            query["ExclusiveStartKey"] = to_item(decode_cursor(cursor, customer_id=customer_id))
        try:
            response = await self._client.query(**query)
        except (ClientError, BotoCoreError) as error:
            raise self._unavailable("query", error) from error
        items: list[dict[str, Any]] = response.get("Items", [])
        next_key: dict[str, str] | None = None
        if len(items) > limit:
            items = items[:limit]
            next_key = customer_index_key(items[-1])
        elif "LastEvaluatedKey" in response:
            # DynamoDB stopped at its 1 MB page size before `limit`: go on from where it stopped.
            next_key = {name: str(value) for name, value in from_item(response["LastEvaluatedKey"]).items()}
        return OrderPage(
            orders=tuple(order_from_item(item) for item in items),
            next_cursor=encode_cursor(next_key) if next_key else None,
        )

    async def save_status_change(self, order: Order, *, expected: OrderStatus) -> bool:
        fields = order.model_dump(mode="json", include={"status", "status_history"})
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
                        ":updated_at": sortable_time(order.updated_at),
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
