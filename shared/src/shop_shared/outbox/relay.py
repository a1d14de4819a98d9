"""Publishes outbox entries: right after the commit for latency, and by a periodic sweep as the safety net."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from shop_shared.contracts import EventEnvelope
from shop_shared.lifecycle import sleep_or_stop
from shop_shared.messaging.publisher import EventPublisher

from .dynamodb import DynamoDbOutbox

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
    ) -> None:
        self._outbox = outbox
        self._publisher = publisher
        self._interval = sweep_interval_seconds
        # The sweep leaves young entries to the publish-after-commit path, so both rarely send one event.
        self._min_age = sweep_min_age_seconds
        self._max_backoff = max_backoff_seconds

    async def publish_committed(self, envelopes: Sequence[EventEnvelope[Any]]) -> None:
        """Try to publish just-committed events; on any failure they stay in the outbox for the sweep."""
        try:
            await self._publish_and_remove(envelopes)
        except Exception:
            logger.warning("publish after commit failed; the outbox sweep will retry", exc_info=True)

    async def sweep_once(self) -> int:
        """Publish what is pending; returns how many events went out."""
        entries = await self._outbox.pending(older_than_seconds=self._min_age)
        if not entries:
            return 0
        return await self._publish_and_remove([entry.envelope for entry in entries])

    async def run(self, stop: asyncio.Event) -> None:
        """Sweep until `stop` is set, backing off exponentially while the bus or the table fails."""
        delay = self._interval
        while not stop.is_set():
            try:
                published = await self.sweep_once()
                if published:
                    logger.info("outbox sweep published events", extra={"published": published})
                delay = self._interval
            except Exception:
                logger.exception("outbox sweep failed")
                delay = min(delay * 2, self._max_backoff)
            await sleep_or_stop(stop, delay)

    async def _publish_and_remove(self, envelopes: Sequence[EventEnvelope[Any]]) -> int:
        result = await self._publisher.publish(envelopes)
        if result.published:
            await self._outbox.remove(str(event_id) for event_id in result.published)
        for event_id, reason in result.failed.items():
            logger.warning("event not accepted by the bus", extra={"event_id": str(event_id), "reason": reason})
        return len(result.published)
