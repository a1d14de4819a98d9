"""The transactional outbox on DynamoDB: events are stored in the same transaction as the state change.

An entry waits in a sparse, sharded global secondary index (`pending`: hash `shard`, range `pending_at`) until
it is published, then it is deleted. Relays divide the shards between them by lease (see relay.py), so N relays
read disjoint parts of the backlog with Queries, never a Scan. An entry the bus keeps refusing, or that no longer
parses, is parked: it leaves the index (its `shard` is removed) and keeps its attempts and last error for an
operator. The shard is chosen from an ordering key (by default the event id), so the events of one aggregate that
share a key are read, and published, in the order they were stored.

Besides entries the table holds the relays' coordination items, keyed `#relays` (who is alive) and
`#shard:<n>` (who owns shard n); they have no `shard` attribute, so they are never in the index.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from shop_shared.aws.dynamodb import from_item, is_condition_failure, stable_shard, to_item
from shop_shared.contracts import EventEnvelope, InvalidEvent, parse_envelope

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

__all__ = ["OUTBOX_SHARDS", "PENDING_INDEX", "DynamoDbOutbox", "PendingEntry", "shard_of"]

logger = logging.getLogger(__name__)

PENDING_INDEX = "pending"
# Fixed for the table's life: entries in a shard nobody reads would never be published.
OUTBOX_SHARDS = 16
BATCH_WRITE_MAX_ITEMS = 25
MEMBERS_KEY = "#relays"
LAST_ERROR_MAX_CHARS = 500


def shard_of(ordering_key: str) -> str:
    return stable_shard(ordering_key, OUTBOX_SHARDS)


def _pending_at(stored_at_ms: int) -> str:
    """Sorts as text in time order (fixed width)."""
    return f"{stored_at_ms:015d}"


def _now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(frozen=True)
class PendingEntry:
    """An event stored but not yet published. `envelope` is None when the entry no longer parses."""

    entry_id: str
    envelope: EventEnvelope[Any] | None
    stored_at: float  # seconds since the epoch
    attempts: int
    parse_error: str | None = None


class DynamoDbOutbox:
    """Entries are keyed by event id, so storing the same event twice is harmless and a relay that publishes an
    entry twice sends the same event id, which every consumer deduplicates."""

    def __init__(self, dynamodb_client: DynamoDBClient, table_name: str) -> None:
        self._client = dynamodb_client
        self._table = table_name
        self._members_item_exists = False  # the #relays item is created once per table, not on every heartbeat

    @property
    def table_name(self) -> str:
        return self._table

    def put_entry(self, envelope: EventEnvelope[Any], *, ordering_key: str | None = None) -> dict[str, Any]:
        """A `TransactWriteItems` element that stores the event beside the business write. Events that must
        reach the bus in the order they were stored share an `ordering_key` (e.g. the payment id)."""
        stored_at = _now_ms()
        item = to_item(
            {
                "entry_id": str(envelope.metadata.event_id),
                "event_type": envelope.metadata.event_type,
                "detail": json.dumps(envelope.to_detail()),
                "stored_at": stored_at,
                "shard": shard_of(ordering_key or str(envelope.metadata.event_id)),
                "pending_at": _pending_at(stored_at),
                "attempts": 0,
            }
        )
        return {"Put": {"TableName": self._table, "Item": item}}

    async def pending_in_shard(self, shard: str, *, older_than_seconds: float, limit: int) -> list[PendingEntry]:
        """The oldest unpublished entries of one shard, stored at least `older_than_seconds` ago, oldest first."""
        cutoff = _pending_at(int((time.time() - older_than_seconds) * 1000))
        response = await self._client.query(**self._shard_query(shard, cutoff=cutoff), Limit=limit)
        return [_entry(from_item(raw)) for raw in response.get("Items", [])]

    async def pending(self, *, older_than_seconds: float = 0.0, limit: int = 100) -> list[PendingEntry]:
        """Unpublished entries of every shard (operators and tests; relays read their own shards)."""
        entries: list[PendingEntry] = []
        for shard in range(OUTBOX_SHARDS):
            entries += await self.pending_in_shard(str(shard), older_than_seconds=older_than_seconds, limit=limit)
        return sorted(entries, key=lambda entry: entry.stored_at)[:limit]

    async def backlog(self, shards: Iterable[str], *, cap: int = 100_000) -> tuple[int, float | None]:
        """How many entries wait in these shards (counted up to `cap`) and the oldest one's age in seconds."""
        count, oldest_ms = 0, None
        for shard in shards:
            oldest = await self._client.query(**self._shard_query(shard), ProjectionExpression="stored_at", Limit=1)
            for raw in oldest.get("Items", []):
                stored_at = int(from_item(raw)["stored_at"])
                oldest_ms = stored_at if oldest_ms is None else min(oldest_ms, stored_at)
            paginator = self._client.get_paginator("query")
            pages = paginator.paginate(**self._shard_query(shard), Select="COUNT")
            async for page in pages:
                count += int(page.get("Count", 0))
                if count >= cap:
                    return count, _age(oldest_ms)
        return count, _age(oldest_ms)

    def _shard_query(self, shard: str, *, cutoff: str | None = None) -> dict[str, Any]:
        """A Query of one shard of the pending index, oldest first; up to `cutoff` (a pending_at) if given."""
        condition = "#shard = :shard" + (" AND pending_at <= :cutoff" if cutoff is not None else "")
        values = {":shard": shard} | ({":cutoff": cutoff} if cutoff is not None else {})
        return {
            "TableName": self._table,
            "IndexName": PENDING_INDEX,
            "KeyConditionExpression": condition,
            "ExpressionAttributeNames": {"#shard": "shard"},
            "ExpressionAttributeValues": to_item(values),
        }

    async def remove(self, event_ids: Iterable[str]) -> None:
        """Published entries leave the table: nothing grows forever."""
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

    async def record_failure(self, entry_id: str, error: str, *, park: bool) -> None:
        """Count a failed attempt; a parked entry leaves the pending index and keeps its error for an operator."""
        update = "SET attempts = if_not_exists(attempts, :zero) + :one, last_error = :error, last_attempt_at = :now"
        values: dict[str, Any] = {":zero": 0, ":one": 1, ":error": error[:LAST_ERROR_MAX_CHARS], ":now": _now_ms()}
        if park:
            update += ", parked_at = :now REMOVE #shard"
        request: dict[str, Any] = {
            "TableName": self._table,
            "Key": to_item({"entry_id": entry_id}),
            "UpdateExpression": update,
            "ConditionExpression": "attribute_exists(entry_id)",  # published (deleted) meanwhile: nothing to do
            "ExpressionAttributeValues": to_item(values),
        }
        if park:
            request["ExpressionAttributeNames"] = {"#shard": "shard"}
        try:
            await self._client.update_item(**request)
        except ClientError as failure:
            if not is_condition_failure(failure):
                raise

    async def get(self, entry_id: str) -> dict[str, Any] | None:
        """One entry as stored (an operator's view of a parked entry: attempts, last_error, parked_at)."""
        response = await self._client.get_item(
            TableName=self._table, Key=to_item({"entry_id": entry_id}), ConsistentRead=True
        )
        return from_item(response["Item"]) if "Item" in response else None

    # The relays' coordination: membership and shard leases (conditional writes on single items).

    async def heartbeat(self, owner: str, *, ttl_seconds: float) -> int:
        """Say this relay is alive for `ttl_seconds`; returns how many relays are alive (this one included)."""
        now = _now_ms()
        key = to_item({"entry_id": MEMBERS_KEY})
        if not self._members_item_exists:
            # A nested SET needs the map to exist; DynamoDB cannot create both in one expression.
            try:
                await self._client.put_item(
                    TableName=self._table,
                    Item=to_item({"entry_id": MEMBERS_KEY, "members": {}}),
                    ConditionExpression="attribute_not_exists(entry_id)",
                )
            except ClientError as failure:
                if not is_condition_failure(failure):
                    raise
            self._members_item_exists = True
        await self._client.update_item(
            TableName=self._table,
            Key=key,
            UpdateExpression="SET members.#owner = :until",
            ExpressionAttributeNames={"#owner": owner},
            ExpressionAttributeValues=to_item({":until": now + int(ttl_seconds * 1000)}),
        )
        response = await self._client.get_item(TableName=self._table, Key=key, ConsistentRead=True)
        members = from_item(response["Item"]).get("members", {})
        dead = [name for name, until in members.items() if int(until) < now]
        if dead:  # a relay that stopped without leaving; tidy up so the map stays small
            await self._client.update_item(
                TableName=self._table,
                Key=key,
                UpdateExpression="REMOVE " + ", ".join(f"members.#d{n}" for n in range(len(dead))),
                ExpressionAttributeNames={f"#d{n}": name for n, name in enumerate(dead)},
            )
        return len(members) - len(dead)

    async def leave(self, owner: str) -> None:
        await self._client.update_item(
            TableName=self._table,
            Key=to_item({"entry_id": MEMBERS_KEY}),
            UpdateExpression="REMOVE members.#owner",
            ExpressionAttributeNames={"#owner": owner},
        )

    async def acquire_shard(self, shard: str, owner: str, *, lease_seconds: float) -> bool:
        """Take or renew the lease on a shard: free, expired, or ours already."""
        now = _now_ms()
        try:
            await self._client.update_item(
                TableName=self._table,
                Key=to_item({"entry_id": f"#shard:{shard}"}),
                UpdateExpression="SET lease_owner = :owner, lease_until = :until",
                ConditionExpression="attribute_not_exists(lease_owner) OR lease_owner = :owner OR lease_until < :now",
                ExpressionAttributeValues=to_item(
                    {":owner": owner, ":until": now + int(lease_seconds * 1000), ":now": now}
                ),
            )
        except ClientError as failure:
            if is_condition_failure(failure):
                return False
            raise
        return True

    async def release_shard(self, shard: str, owner: str) -> None:
        try:
            await self._client.update_item(
                TableName=self._table,
                Key=to_item({"entry_id": f"#shard:{shard}"}),
                UpdateExpression="REMOVE lease_owner, lease_until",
                ConditionExpression="lease_owner = :owner",
                ExpressionAttributeValues=to_item({":owner": owner}),
            )
        except ClientError as failure:
            if not is_condition_failure(failure):
                raise


def _entry(item: dict[str, Any]) -> PendingEntry:
    stored_at = float(item["stored_at"]) / 1000
    attempts = int(item.get("attempts", 0))
    try:
        envelope = parse_envelope(json.loads(item["detail"]))
    except (InvalidEvent, ValueError, KeyError) as error:
        # A contract change or a rollback: it will not parse on a retry either; the relay parks it.
        return PendingEntry(item["entry_id"], None, stored_at, attempts, parse_error=f"{type(error).__name__}: {error}")
    return PendingEntry(item["entry_id"], envelope, stored_at, attempts)


def _age(oldest_ms: int | None) -> float | None:
    return None if oldest_ms is None else max(0.0, (_now_ms() - oldest_ms) / 1000)
