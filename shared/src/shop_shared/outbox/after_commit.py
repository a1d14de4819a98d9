"""Publish after commit, off the request path: a request commits its events and answers; a background loop sends
the events of many requests in one PutEvents call and removes their outbox entries in one batch.

Why: inline, PutEvents and the outbox delete were two more round trips in every answer and one call each per
event; here up to ten commits share them. Nothing is lost by it: each event is in the outbox from its commit, so
one this loop does not send (a full buffer, a crash, a failing bus, a stop) goes out with the relay's sweep.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Any

from shop_shared.contracts import EventEnvelope
from shop_shared.lifecycle import run_unless_stopped
from shop_shared.messaging.publisher import PUT_EVENTS_MAX_ENTRIES

from .unit_of_work import EventRelay

__all__ = ["BackgroundPublisher"]

logger = logging.getLogger(__name__)


class BackgroundPublisher:
    """An `EventRelay` for a unit of work: `publish_committed` only buffers; `run` publishes through `relay`.

    Events go out in commit order, one batch at a time, so events sharing an ordering key keep their order.
    An event that waited `hand_over_after_seconds` (set it to the sweep's minimum age) is left to the sweep,
    which now sees it too: sending it here as well would only make a duplicate.
    """

    def __init__(
        self,
        relay: EventRelay,
        *,
        hand_over_after_seconds: float,
        max_buffered: int = 1000,
        drain_seconds: float = 5.0,
    ) -> None:
        self._relay = relay
        self._hand_over_after = hand_over_after_seconds
        self._drain_seconds = drain_seconds
        self._buffer: asyncio.Queue[tuple[float, EventEnvelope[Any]]] = asyncio.Queue(maxsize=max_buffered)

    @property
    def buffered(self) -> int:
        return self._buffer.qsize()

    async def publish_committed(self, envelopes: Sequence[EventEnvelope[Any]]) -> None:
        """Never blocks and never raises: a full buffer leaves the events to the sweep."""
        now = time.monotonic()
        for envelope in envelopes:
            try:
                self._buffer.put_nowait((now, envelope))
            except asyncio.QueueFull:
                logger.warning(
                    "publish buffer full; the outbox sweep will send the event",
                    extra={"event_id": str(envelope.metadata.event_id)},
                )

    async def run(self, stop: asyncio.Event) -> None:
        """Publish batches until `stop` is set, then what is still buffered for up to `drain_seconds`."""
        while not stop.is_set():
            completed, first = await run_unless_stopped(stop, self._buffer.get())
            if completed and first is not None:
                await self._publish([first, *self._more(PUT_EVENTS_MAX_ENTRIES - 1)])
        try:
            async with asyncio.timeout(self._drain_seconds):
                while not self._buffer.empty():
                    await self._publish(self._more(PUT_EVENTS_MAX_ENTRIES))
        except TimeoutError:
            logger.warning(
                "stopped with events still buffered; the outbox sweep will send them",
                extra={"buffered": self._buffer.qsize()},
            )

    def _more(self, limit: int) -> list[tuple[float, EventEnvelope[Any]]]:
        taken: list[tuple[float, EventEnvelope[Any]]] = []
        while len(taken) < limit and not self._buffer.empty():
            taken.append(self._buffer.get_nowait())
        return taken

    async def _publish(self, batch: list[tuple[float, EventEnvelope[Any]]]) -> None:
        deadline = time.monotonic() - self._hand_over_after
        fresh = [envelope for committed_at, envelope in batch if committed_at > deadline]
        if len(fresh) < len(batch):
            logger.info(
                "events waited too long in the buffer; left to the outbox sweep",
                extra={"count": len(batch) - len(fresh)},
            )
        if fresh:
            await self._relay.publish_committed(fresh)  # never raises: what fails stays in the outbox
