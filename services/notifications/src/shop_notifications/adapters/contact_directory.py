"""The contact directory on DynamoDB: the newest encrypted contact per customer, by event time."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError
from shop_shared.aws import from_item, is_condition_failure, to_item

from shop_notifications.adapters.timestamps import to_stored

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

__all__ = ["DynamoDbContactDirectory"]

logger = logging.getLogger(__name__)


class DynamoDbContactDirectory:
    def __init__(self, dynamodb_client: DynamoDBClient, table_name: str) -> None:
        self._client = dynamodb_client
        self._table = table_name

    async def save(self, customer_id: str, ciphertext: str, updated_at: datetime) -> None:
        """Newest wins: an older event arriving late (or a redelivery) never overwrites a newer contact."""
        try:
            await self._client.put_item(
                TableName=self._table,
                Item=to_item(
                    {"customer_id": customer_id, "contact_ciphertext": ciphertext, "updated_at": to_stored(updated_at)}
                ),
                ConditionExpression="attribute_not_exists(customer_id) OR updated_at <= :updated_at",
                ExpressionAttributeValues=to_item({":updated_at": to_stored(updated_at)}),
            )
        except ClientError as error:
            if not is_condition_failure(error):
                raise
            logger.info("a newer contact is already on file; kept it", extra={"customer_id": customer_id})

    async def ciphertext_of(self, customer_id: str) -> str | None:
        response = await self._client.get_item(
            TableName=self._table, Key=to_item({"customer_id": customer_id}), ConsistentRead=True
        )
        if "Item" not in response:
            return None
        return str(from_item(response["Item"])["contact_ciphertext"])
