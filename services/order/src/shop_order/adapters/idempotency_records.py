"""Idempotency records in DynamoDB: written inside the order's transaction, read back when a key is taken."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError
from shop_shared.aws import from_item, to_item

from shop_order.domain import IdempotencyRecord, StoredResponse
from shop_order.exceptions import DependencyUnavailable

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

__all__ = ["DynamoDbIdempotencyRecords", "record_from_item", "record_to_item"]

logger = logging.getLogger(__name__)


def record_to_item(record: IdempotencyRecord) -> dict[str, Any]:
    return to_item(
        {
            "idempotency_key": record.idempotency_key,
            "request_hash": record.request_hash,
            "order_id": record.order_id,
            "response_status": record.response.status,
            "response_body": record.response.body,
            "created_at": record.created_at.isoformat(),
            # A number in epoch seconds: the form DynamoDB's TTL reads.
            "expires_at": record.expires_at,
        }
    )


def record_from_item(item: dict[str, Any]) -> IdempotencyRecord:
    values = from_item(item)
    return IdempotencyRecord(
        idempotency_key=values["idempotency_key"],
        request_hash=values["request_hash"],
        order_id=values["order_id"],
        response=StoredResponse(status=int(values["response_status"]), body=values["response_body"]),
        created_at=datetime.fromisoformat(values["created_at"]),
        expires_at=int(values["expires_at"]),
    )


class DynamoDbIdempotencyRecords:
    """One item per key; an expired item (TTL deletes it lazily, up to days later) counts as absent."""

    def __init__(self, dynamodb_client: DynamoDBClient, table_name: str) -> None:
        self._client = dynamodb_client
        self._table = table_name

    def put_entry(self, record: IdempotencyRecord) -> dict[str, Any]:
        """A `TransactWriteItems` element that binds the key unless a record still live when this request
        was made (`record.created_at`) holds it already."""
        return {
            "Put": {
                "TableName": self._table,
                "Item": record_to_item(record),
                "ConditionExpression": "attribute_not_exists(idempotency_key) OR expires_at < :now",
                "ExpressionAttributeValues": to_item({":now": int(record.created_at.timestamp())}),
            }
        }

    async def get(self, key: str) -> IdempotencyRecord | None:
        try:
            response = await self._client.get_item(
                TableName=self._table, Key=to_item({"idempotency_key": key}), ConsistentRead=True
            )
        except (ClientError, BotoCoreError) as error:
            logger.error(
                "idempotency table call failed",
                extra={"operation": "get_item", "table": self._table, "error": type(error).__name__},
            )
            raise DependencyUnavailable("DynamoDB") from error
        item = response.get("Item")
        return record_from_item(item) if item else None
