"""The per-customer order counters on DynamoDB: one item per customer and window, counted with one
conditional UpdateItem, so every order task shares the limit and two requests can never both take the last slot."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from shop_shared.aws import is_condition_failure, to_item
from shop_shared.clock_windows import ClockWindow

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

__all__ = ["DynamoDbOrderRateLimiter", "window_key"]


def window_key(customer_id: str, window: ClockWindow) -> str:
    """The counter's key: the customer and the window's start, so a new window starts from zero even while
    TTL (which deletes lazily, up to days late) has not removed the old item yet."""
    return f"{customer_id}#{window.start_epoch}"


class DynamoDbOrderRateLimiter:
    """Any other AWS error propagates: the API answers an outage (throttling, 5xx, lost connection) with 503."""

    def __init__(self, dynamodb_client: DynamoDBClient, table_name: str) -> None:
        self._client = dynamodb_client
        self._table = table_name

    async def acquire(self, customer_id: str, window: ClockWindow, *, limit: int) -> bool:
        try:
            await self._client.update_item(
                TableName=self._table,
                Key=self._key(customer_id, window),
                UpdateExpression="ADD #count :one SET #expires_at = :expires_at",
                ConditionExpression="attribute_not_exists(#count) OR #count < :limit",
                ExpressionAttributeNames={"#count": "order_count", "#expires_at": "expires_at"},
                ExpressionAttributeValues=to_item({":one": 1, ":limit": limit, ":expires_at": window.expires_at}),
            )
        except ClientError as error:
            if is_condition_failure(error):
                return False
            raise
        return True

    async def release(self, customer_id: str, window: ClockWindow) -> None:
        try:
            await self._client.update_item(
                TableName=self._table,
                Key=self._key(customer_id, window),
                UpdateExpression="ADD #count :minus_one",
                ConditionExpression="#count > :zero",
                ExpressionAttributeNames={"#count": "order_count"},
                ExpressionAttributeValues=to_item({":minus_one": -1, ":zero": 0}),
            )
        except ClientError as error:
            if not is_condition_failure(error):
                raise

    def _key(self, customer_id: str, window: ClockWindow) -> dict[str, Any]:
        return to_item({"window_key": window_key(customer_id, window)})
