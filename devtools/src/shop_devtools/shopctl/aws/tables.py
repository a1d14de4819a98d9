"""The DynamoDB backlogs shopctl status reads: the outbox's pending entries and the payments of unknown outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from shop_payment.adapters.payments_repository import DUE_WORK_INDEX, WORK_SHARDS
from shop_shared.aws import from_item, to_item
from shop_shared.outbox import OUTBOX_SHARDS, PENDING_INDEX

from .session import explained

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

__all__ = ["Backlog", "Backlogs"]


@dataclass(frozen=True)
class Backlog:
    """Entries waiting, and when the oldest of them was stored (None: nothing waits)."""

    count: int
    oldest: datetime | None


class Backlogs:
    """The backlog questions of ShopAws, which opens the client: counted with Queries of sparse indexes."""

    dynamodb: DynamoDBClient

    def outbox_backlog(self, table: str) -> Backlog:
        """Entries in the sparse `pending` index: counted shard by shard with Queries (never a Scan)."""
        count, oldest_ms = 0, None
        with explained(f"table {table}"):
            for shard in range(OUTBOX_SHARDS):
                query: dict[str, Any] = {
                    "TableName": table,
                    "IndexName": PENDING_INDEX,
                    "KeyConditionExpression": "#shard = :shard",
                    "ExpressionAttributeNames": {"#shard": "shard"},
                    "ExpressionAttributeValues": to_item({":shard": str(shard)}),
                }
                first = self.dynamodb.query(**query, ProjectionExpression="stored_at", Limit=1)
                for raw in first.get("Items", []):
                    stored_at = int(from_item(raw)["stored_at"])
                    oldest_ms = stored_at if oldest_ms is None else min(oldest_ms, stored_at)
                for page in self.dynamodb.get_paginator("query").paginate(**query, Select="COUNT"):
                    count += int(page.get("Count", 0))
        oldest = datetime.fromtimestamp(oldest_ms / 1000, UTC) if oldest_ms is not None else None
        return Backlog(count, oldest)

    def unknown_payments(self, table: str) -> Backlog:
        """Payments whose charge outcome is UNKNOWN (waiting for reconciliation), from the sparse due-work index."""
        count, oldest = 0, None
        with explained(f"table {table}"):
            for shard in range(WORK_SHARDS):
                pages = self.dynamodb.get_paginator("query").paginate(
                    TableName=table,
                    IndexName=DUE_WORK_INDEX,
                    KeyConditionExpression="work_shard = :shard",
                    FilterExpression="#status = :unknown",
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues=to_item({":shard": str(shard), ":unknown": "UNKNOWN"}),
                    ProjectionExpression="unknown_since, created_at",
                )
                for page in pages:
                    for raw in page.get("Items", []):
                        count += 1
                        values = from_item(raw)
                        since = datetime.fromisoformat(values.get("unknown_since") or values["created_at"])
                        oldest = since if oldest is None else min(oldest, since)
        return Backlog(count, oldest)
