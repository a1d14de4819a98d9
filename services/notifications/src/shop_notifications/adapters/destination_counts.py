"""Messages per destination and hour on DynamoDB: one item per destination digest and hour, holding the set of
notification ids counted, updated with one conditional UpdateItem so every task shares the cap."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError
from shop_shared.aws import is_condition_failure, to_item
from shop_shared.clock_windows import ClockWindow

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

__all__ = ["DynamoDbDestinationCounter", "destination_window_key"]

# A set, not a number: adding an id already in it changes nothing, so counting one notification again (a
# redelivery, a retry after a failed send) passes without counting it twice. Its size is the count.
COUNT_UPDATE = "ADD #notification_ids :ids SET #expires_at = :expires_at"
COUNT_CONDITION = (
    "attribute_not_exists(#notification_ids) OR contains(#notification_ids, :id) OR size(#notification_ids) < :limit"
)


def destination_window_key(destination: str, window: ClockWindow) -> str:
    """The digest and the hour's start, so a new hour starts from zero even before TTL removes the old item."""
    return f"{destination}#{window.start_epoch}"


class DynamoDbDestinationCounter:
    def __init__(self, dynamodb_client: DynamoDBClient, table_name: str) -> None:
        self._client = dynamodb_client
        self._table = table_name

    async def count(self, destination: str, notification_id: str, window: ClockWindow, *, limit: int) -> bool:
        try:
            await self._client.update_item(
                TableName=self._table,
                Key=to_item({"destination_window": destination_window_key(destination, window)}),
                UpdateExpression=COUNT_UPDATE,
                ConditionExpression=COUNT_CONDITION,
                ExpressionAttributeNames={"#notification_ids": "notification_ids", "#expires_at": "expires_at"},
                ExpressionAttributeValues=to_item(
                    {
                        ":ids": {notification_id},
                        ":id": notification_id,
                        ":limit": limit,
                        ":expires_at": window.expires_at,
                    }
                ),
            )
        except ClientError as error:
            if is_condition_failure(error):
                return False
            raise
        return True
