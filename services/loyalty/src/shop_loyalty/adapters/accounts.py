"""Loyalty accounts in DynamoDB, saved with an optimistic version check (the tier run uses them via `tiers`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from shop_shared.aws import from_item, to_item
from shop_shared.outbox.unit_of_work import StateChange

from shop_loyalty.domain import LoyaltyAccount

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

__all__ = ["DynamoDbAccounts", "account_change_name"]

SAVE_CONDITION = "attribute_not_exists(customer_id) OR version = :expected"


def account_change_name(customer_id: str) -> str:
    """The name a saved account has in a unit of work (the in-memory fake names it the same)."""
    return f"account:{customer_id}"


def account_to_item(account: LoyaltyAccount, version: int) -> dict[str, Any]:
    values = account.model_dump(mode="json")
    values["version"] = version
    return to_item(values)


def account_from_item(item: dict[str, Any]) -> LoyaltyAccount:
    return LoyaltyAccount.model_validate(from_item(item))


class DynamoDbAccounts:
    def __init__(self, dynamodb_client: DynamoDBClient, table_name: str) -> None:
        self._client = dynamodb_client
        self._table = table_name

    async def get(self, customer_id: str) -> LoyaltyAccount | None:
        response = await self._client.get_item(
            TableName=self._table, Key=to_item({"customer_id": customer_id}), ConsistentRead=True
        )
        item = response.get("Item")
        return account_from_item(item) if item else None

    def save_change(self, account: LoyaltyAccount) -> StateChange[dict[str, Any]]:
        """Stores `account` as version+1, only if nobody saved it meanwhile (named `account:<customer_id>`).

        `account.version` is the version it was read at (0 for a new account, never stored).
        """
        put = {
            "Put": {
                "TableName": self._table,
                "Item": account_to_item(account, account.version + 1),
                "ConditionExpression": SAVE_CONDITION,
                "ExpressionAttributeValues": to_item({":expected": account.version}),
            }
        }
        return StateChange(account_change_name(account.customer_id), put)

    async def scan_segment(
        self, segment: int, total_segments: int, *, page_size: int = 100
    ) -> AsyncIterator[LoyaltyAccount]:
        """The accounts of one segment of a parallel scan, page by page."""
        paginator = self._client.get_paginator("scan")
        pages = paginator.paginate(
            TableName=self._table,
            Segment=segment,
            TotalSegments=total_segments,
            ConsistentRead=True,
            PaginationConfig={"PageSize": page_size},
        )
        async for page in pages:
            for item in page.get("Items", []):
                yield account_from_item(item)

    async def count(self) -> int:
        """The table's item count as DynamoDB reports it (updated about every six hours on AWS)."""
        response = await self._client.describe_table(TableName=self._table)
        return int(response["Table"].get("ItemCount", 0))
