"""Publishes outbox entries: right after the commit for latency, and by the relay loop as the safety net that
carries the whole load when publishing after the commit fails (the bus throttles, a process dies).

The relay loop:
- divides the table's OUTBOX_SHARDS shards between the live relays by lease: each relay says it is alive,
  takes its fair share (shards / live relays) and gives back what is over it, so N relays read disjoint shards
  and never publish one entry twice in steady state;
- drains each owned shard oldest first with Queries on the pending index, publishing in PutEvents batches of
  ten, several shards at once (bounded), and sweeps again at once while there is a backlog;
- leaves entries younger than `sweep_min_age_seconds` to the publish-after-commit path;
- parks an entry that does not parse, or that the bus refused `max_attempts` times, so it cannot hold back the
  rest; stops a shard's pass at an entry the bus refused, so later entries of the same ordering key do not
  overtake it;
- reports the backlog and the age of its oldest entry, and every parked entry, as EMF metrics.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import socket
import time
import uuid
from collections.abc import Sequence
from typing import Any

from shop_shared.contracts import EventEnvelope
from shop_shared.lifecycle import sleep_or_stop
from shop_shared.messaging.publisher import PUT_EVENTS_MAX_ENTRIES, EventPublisher

from .dynamodb import OUTBOX_SHARDS, DynamoDbOutbox, PendingEntry, shard_of
from .metrics import OutboxMetrics

__all__ = ["OutboxRelay"]

logger = logging.getLogger(__name__)


class OutboxRelay:
    def __init__(
        self,
        outbox: DynamoDbOutbox,
        publisher: EventPublisher,
        *,
        sweep_interval_seconds: float = 5.0,
        sweep_min_age_seconds: float = 5.0,
        max_backoff_seconds: float = 60.0,
        max_attempts: int = 5,
        lease_seconds: float = 30.0,
        max_concurrent_shards: int = 4,
        page_size: int = 500,
        pages_per_pass: int = 2,
        metrics: OutboxMetrics | None = None,
        metrics_interval_seconds: float = 60.0,
        owner: str | None = None,
    ) -> None:
        self._outbox = outbox
        self._publisher = publisher
        self._interval = sweep_interval_seconds
        # The sweep leaves young entries to the publish-after-commit path, so both rarely send one event.
        self._min_age = sweep_min_age_seconds
        self._max_backoff = max_backoff_seconds
        self._max_attempts = max_attempts
        self._lease_seconds = lease_seconds
        self._shards_at_once = asyncio.Semaphore(max_concurrent_shards)
        # 500 entries (about 350 KB, under a Query page's 1 MB): few round trips per event when draining.
        self._page_size = page_size
        # A pass over a shard ends after this many pages, so leases are renewed and shards rebalanced in between.
        self._pages_per_pass = pages_per_pass
        self._metrics = metrics or OutboxMetrics(outbox.table_name)
        self._metrics_interval = metrics_interval_seconds
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._owned: dict[str, float] = {}  # shard -> when our lease on it ends (monotonic clock)
        self._draining: dict[str, asyncio.Lock] = {shard: asyncio.Lock() for shard in map(str, range(OUTBOX_SHARDS))}
        self._keeping_leases = False  # run() renews leases in a task of their own, whatever a drain takes
        self._next_rebalance = 0.0
        self._next_metrics = 0.0
        # Where this relay starts looking for free shards: relays spread out instead of contending for shard 0.
        self._first_shard = int(shard_of(self.owner))

    @property
    def owned_shards(self) -> list[str]:
        return sorted(self._owned, key=int)

    async def publish_committed(self, envelopes: Sequence[EventEnvelope[Any]]) -> None:
        """Try to publish just-committed events; on any failure they stay in the outbox for the relay loop."""
        try:
            result = await self._publisher.publish(envelopes)
            if result.published:
                await self._outbox.remove(str(event_id) for event_id in result.published)
        except Exception:
            logger.warning("publish after commit failed; the outbox relay will retry", exc_info=True)

    async def sweep_once(self) -> int:
        """Rebalance if due, then one pass over the owned shards; returns how many events went out."""
        now = time.monotonic()
        if not self._keeping_leases and now >= self._next_rebalance:
            await self._rebalance()
            self._next_rebalance = now + self._lease_seconds / 3
        results = await asyncio.gather(*(self._drain(shard) for shard in self.owned_shards), return_exceptions=True)
        errors = [result for result in results if isinstance(result, BaseException)]
        if errors:
            raise errors[0]
        if now >= self._next_metrics:
            self._next_metrics = now + self._metrics_interval
            await self._report_backlog()
        return sum(result for result in results if isinstance(result, int))

    async def run(self, stop: asyncio.Event) -> None:
        """Sweep until `stop` is set: again at once while there is a backlog, after the interval when there is
        none, backing off exponentially while the bus or the table fails. Gives its shards back on the way out."""
        delay = self._interval
        keeper = asyncio.create_task(self._keep_leases(stop), name="outbox-leases")
        try:
            while not stop.is_set():
                try:
                    published = await self.sweep_once()
                    delay = self._interval
                except Exception:
                    logger.exception("outbox sweep failed")
                    delay = min(delay * 2, self._max_backoff)
                    await sleep_or_stop(stop, delay)
                    continue
                if published:
                    await asyncio.sleep(0)  # a backlog: go on, letting the service's other work run
                else:
                    await sleep_or_stop(stop, delay)
        finally:
            keeper.cancel()
            await asyncio.gather(keeper, return_exceptions=True)
            await self._leave()

    async def _keep_leases(self, stop: asyncio.Event) -> None:
        """Heartbeat, renew, rebalance every third of the lease, in parallel with the drains: a long drain on a
        slow bus must not let a lease lapse, or another relay would take the shard while we still publish it."""
        self._keeping_leases = True
        try:
            while not stop.is_set():
                try:
                    await self._rebalance()
                except Exception:
                    logger.warning("could not renew the outbox leases; retrying", exc_info=True)
                await sleep_or_stop(stop, self._lease_seconds / 3)
        finally:
            self._keeping_leases = False

    async def _drain(self, shard: str) -> int:
        async with self._shards_at_once, self._draining[shard]:
            published = 0
            for _ in range(self._pages_per_pass):
                if not self._still_owned(shard):
                    break
                entries = await self._outbox.pending_in_shard(
                    shard, older_than_seconds=self._min_age, limit=self._page_size
                )
                for start in range(0, len(entries), PUT_EVENTS_MAX_ENTRIES):
                    if not self._still_owned(shard):
                        return published
                    sent, refused = await self._publish(entries[start : start + PUT_EVENTS_MAX_ENTRIES])
                    published += sent
                    if refused:
                        return published  # the refused entries go first on the next pass (or get parked)
                if len(entries) < self._page_size:
                    break
            return published

    async def _publish(self, batch: list[PendingEntry]) -> tuple[int, bool]:
        """Publish one batch; (published, whether the bus refused any entry). A failed call raises."""
        for entry in batch:
            if entry.envelope is None:
                await self._park(entry, entry.parse_error or "does not parse")
        parsed = [entry for entry in batch if entry.envelope is not None]
        if not parsed:
            return 0, False
        result = await self._publisher.publish([entry.envelope for entry in parsed if entry.envelope is not None])
        if result.published:
            await self._outbox.remove(str(event_id) for event_id in result.published)
        by_id = {entry.entry_id: entry for entry in parsed}
        for event_id, reason in result.failed.items():
            entry = by_id[str(event_id)]
            if entry.attempts + 1 >= self._max_attempts:
                await self._park(entry, reason)
            else:
                logger.warning(
                    "event refused by the bus; retried on the next pass",
                    extra={"event_id": entry.entry_id, "attempts": entry.attempts + 1, "reason": reason},
                )
                await self._outbox.record_failure(entry.entry_id, reason, park=False)
        return len(result.published), bool(result.failed)

    async def _park(self, entry: PendingEntry, reason: str) -> None:
        logger.error(
            "outbox entry parked: it will not be published until an operator re-drives it",
            extra={"event_id": entry.entry_id, "attempts": entry.attempts + 1, "reason": reason},
        )
        await self._outbox.record_failure(entry.entry_id, reason, park=True)
        await self._metrics.parked()

    def _still_owned(self, shard: str) -> bool:
        # A margin of a third of the lease: no page starts that could outlive our lease on the shard.
        return self._owned.get(shard, 0.0) - self._lease_seconds / 3 > time.monotonic()

    async def _rebalance(self) -> None:
        # Members count as alive for two leases: a relay is not written off for one late heartbeat.
        live = await self._outbox.heartbeat(self.owner, ttl_seconds=2 * self._lease_seconds)
        share = math.ceil(OUTBOX_SHARDS / max(live, 1))
        await asyncio.gather(*(self._hold(shard) for shard in self.owned_shards))  # renew what we hold, at once
        for shard in self.owned_shards[share:]:  # give back what is over our share, for a newcomer to take
            self._owned.pop(shard, None)  # no new batch starts on it ...
            async with self._draining[shard]:  # ... and the one under way ends before the lease goes
                await self._outbox.release_shard(shard, self.owner)
        for offset in range(OUTBOX_SHARDS):
            if len(self._owned) >= share:
                break
            shard = str((self._first_shard + offset) % OUTBOX_SHARDS)
            if shard not in self._owned:
                await self._hold(shard)

    async def _hold(self, shard: str) -> None:
        taken_at = time.monotonic()
        if await self._outbox.acquire_shard(shard, self.owner, lease_seconds=self._lease_seconds):
            self._owned[shard] = taken_at + self._lease_seconds
        else:
            self._owned.pop(shard, None)

    async def _report_backlog(self) -> None:
        if not self._owned:
            return
        count, oldest_age = await self._outbox.backlog(self.owned_shards)
        await self._metrics.backlog(count, oldest_age)

    async def _leave(self) -> None:
        """Best effort: give the shards back at once, so another relay need not wait for the leases to expire."""
        try:
            async with asyncio.timeout(5):
                for shard in list(self._owned):
                    await self._outbox.release_shard(shard, self.owner)
                self._owned.clear()
                await self._outbox.leave(self.owner)
        except Exception:
            logger.warning("could not give the outbox shards back; their leases will expire", exc_info=True)
