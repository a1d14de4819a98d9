"""The transactional outbox on DynamoDB: events are stored in the same transaction as the state change."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

from shop_shared.aws.dynamodb import from_item, to_item
from shop_shared.contracts import EventEnvelope, parse_envelope

__all__ = ["DynamoDbOutbox", "PendingEntry"]

BATCH_WRITE_MAX_ITEMS = 25


class PendingEntry:
    """An event stored but not yet confirmed as published."""

    def __init__(self, envelope: EventEnvelope[Any], stored_at: float) -> None:
        self.envelope = envelope
        self.stored_at = stored_at


class DynamoDbOutbox:
    """The outbox table only holds events still to publish: an entry is deleted once EventBridge took it.

    Entries are keyed by event id, so storing the same event twice is harmless and a relay that
    publishes an entry twice sends the same event id, which every consumer deduplicates.
    """

    def __init__(self, dynamodb_client: Any, table_name: str) -> None:
        self._client = dynamodb_client
        self._table = table_name

    def put_entry(self, envelope: EventEnvelope[Any]) -> dict[str, Any]:
        """A `TransactWriteItems` element that stores the event beside the business write."""
        item = to_item(
            {
                "entry_id": str(envelope.metadata.event_id),
                "event_type": envelope.metadata.event_type,
                "detail": json.dumps(envelope.to_detail()),
                "stored_at": int(time.time() * 1000),
            }
        )
        return {"Put": {"TableName": self._table, "Item": item}}

    async def pending(self, *, older_than_seconds: float = 0.0, limit: int = 100) -> list[PendingEntry]:
        """Entries stored at least `older_than_seconds` ago (a consistent read sees fresh commits)."""
        cutoff = time.time() - older_than_seconds
        entries: list[PendingEntry] = []
        paginator = self._client.get_paginator("scan")
        async for page in paginator.paginate(TableName=self._table, ConsistentRead=True):
            for raw in page.get("Items", []):
                item = from_item(raw)
                stored_at = float(item["stored_at"]) / 1000
                if stored_at <= cutoff:
                    entries.append(PendingEntry(parse_envelope(json.loads(item["detail"])), stored_at))
                if len(entries) >= limit:
                    return entries
        return entries

    async def remove(self, event_ids: Iterable[str]) -> None:
        ids = list(event_ids)
        for start in range(0, len(ids), BATCH_WRITE_MAX_ITEMS):
            requests = [
                {"DeleteRequest": {"Key": to_item({"entry_id": event_id})}}
                for event_id in ids[start : start + BATCH_WRITE_MAX_ITEMS]
            ]
            pending: dict[str, Any] = {self._table: requests}
            # Unprocessed deletes only mean a later duplicate publish, so a few rounds are enough.
            for _ in range(5):
                response = await self._client.batch_write_item(RequestItems=pending)
                pending = response.get("UnprocessedItems") or {}
                if not pending:
                    break
