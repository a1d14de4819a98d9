"""Runs a DynamoDB transaction and says which of its items lost, so callers can tell a duplicate from a race."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError
from shop_shared.aws import transaction_conflicts

__all__ = ["DynamoDbTransactions", "TransactionCancelled"]


class TransactionCancelled(Exception):
    """The transaction wrote nothing; `reasons` holds one cancellation code per item, in request order."""

    def __init__(self, reasons: Sequence[str]) -> None:
        super().__init__(f"transaction cancelled: {', '.join(reasons)}")
        self.reasons = list(reasons)

    def condition_failed(self, position: int) -> bool:
        return position < len(self.reasons) and self.reasons[position] == "ConditionalCheckFailed"

    @property
    def lost_a_race(self) -> bool:
        """A condition failed or a concurrent transaction held an item: worth re-reading and retrying."""
        return any(reason in {"ConditionalCheckFailed", "TransactionConflict"} for reason in self.reasons)


class DynamoDbTransactions:
    def __init__(self, dynamodb_client: Any) -> None:
        self._client = dynamodb_client

    async def write(self, items: Sequence[dict[str, Any]]) -> None:
        """All items or none; raises TransactionCancelled when DynamoDB cancelled it for a reason per item."""
        try:
            await self._client.transact_write_items(TransactItems=list(items))
        except ClientError as error:
            reasons = transaction_conflicts(error)
            if error.response.get("Error", {}).get("Code") == "TransactionCanceledException" and reasons:
                raise TransactionCancelled(reasons) from error
            raise
