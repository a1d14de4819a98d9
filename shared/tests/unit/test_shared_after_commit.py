"""The background publisher's rules: commits only buffer; batches of at most ten in commit order; a full buffer
and a long wait leave events to the outbox sweep; a stop still sends what is buffered, within its time."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest
from shop_devtools.testing.events import payment_failed_event
from shop_shared.contracts import EventEnvelope
from shop_shared.outbox import BackgroundPublisher

# Every wait in these tests ends: the publisher's loop is awaited with this bound.
BOUND_SECONDS = 5.0


class RecordingRelay:
    """The relay's publish-after-commit half: records each batch; `gate` holds a batch until it is set."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.sent = asyncio.Condition()

    async def publish_committed(self, envelopes: Sequence[EventEnvelope[Any]]) -> None:
        await self.gate.wait()
        async with self.sent:
            self.batches.append([str(envelope.metadata.event_id) for envelope in envelopes])
            self.sent.notify_all()

    @property
    def published(self) -> list[str]:
        return [event_id for batch in self.batches for event_id in batch]


def events(count: int) -> list[EventEnvelope[Any]]:
    return [payment_failed_event(f"order-{index}") for index in range(count)]


def ids(envelopes: list[EventEnvelope[Any]]) -> list[str]:
    return [str(envelope.metadata.event_id) for envelope in envelopes]


async def wait_until_published(relay: RecordingRelay, count: int) -> None:
    async with asyncio.timeout(BOUND_SECONDS), relay.sent:
        await relay.sent.wait_for(lambda: len(relay.published) >= count)


async def stop_and_wait(task: asyncio.Task[None], stop: asyncio.Event) -> None:
    stop.set()
    async with asyncio.timeout(BOUND_SECONDS):
        await task


async def test_commit_only_buffers_and_the_loop_sends_batches_of_ten_in_commit_order() -> None:
    relay = RecordingRelay()
    publisher = BackgroundPublisher(relay, hand_over_after_seconds=60)
    committed = events(25)
    await publisher.publish_committed(committed)
    assert relay.batches == []  # nothing was sent in the committing request
    stop = asyncio.Event()
    task = asyncio.create_task(publisher.run(stop))
    await wait_until_published(relay, 25)
    await stop_and_wait(task, stop)
    assert relay.published == ids(committed)
    assert [len(batch) for batch in relay.batches] == [10, 10, 5]


async def test_events_committed_while_a_batch_is_out_go_together_in_the_next() -> None:
    relay = RecordingRelay()
    publisher = BackgroundPublisher(relay, hand_over_after_seconds=60)
    stop = asyncio.Event()
    task = asyncio.create_task(publisher.run(stop))
    relay.gate.clear()  # the bus is slow: the first batch is out while more commits arrive
    first, later = events(1), events(7)
    await publisher.publish_committed(first)
    await asyncio.sleep(0.05)
    for envelope in later:
        await publisher.publish_committed([envelope])
    relay.gate.set()
    await wait_until_published(relay, 8)
    await stop_and_wait(task, stop)
    assert relay.batches == [ids(first), ids(later)]


async def test_a_full_buffer_leaves_the_rest_to_the_sweep_without_blocking_the_commit() -> None:
    relay = RecordingRelay()
    publisher = BackgroundPublisher(relay, hand_over_after_seconds=60, max_buffered=3)
    committed = events(5)
    async with asyncio.timeout(BOUND_SECONDS):
        await publisher.publish_committed(committed)
    assert publisher.buffered == 3
    stop = asyncio.Event()
    task = asyncio.create_task(publisher.run(stop))
    await wait_until_published(relay, 3)
    await stop_and_wait(task, stop)
    assert relay.published == ids(committed[:3])


async def test_an_event_that_waited_past_the_sweeps_age_is_left_to_the_sweep() -> None:
    relay = RecordingRelay()
    publisher = BackgroundPublisher(relay, hand_over_after_seconds=0.05)
    stale = events(2)
    await publisher.publish_committed(stale)
    await asyncio.sleep(0.1)  # older than hand_over_after_seconds before the loop starts
    fresh = events(1)
    stop = asyncio.Event()
    task = asyncio.create_task(publisher.run(stop))
    await publisher.publish_committed(fresh)
    await wait_until_published(relay, 1)
    await stop_and_wait(task, stop)
    assert relay.published == ids(fresh)


async def test_a_stop_sends_what_is_buffered() -> None:
    relay = RecordingRelay()
    publisher = BackgroundPublisher(relay, hand_over_after_seconds=60)
    stop = asyncio.Event()
    stop.set()  # stopping before the loop ever ran: the drain alone sends everything
    committed = events(12)
    await publisher.publish_committed(committed)
    async with asyncio.timeout(BOUND_SECONDS):
        await publisher.run(stop)
    assert relay.published == ids(committed)
    assert publisher.buffered == 0


async def test_a_stop_gives_up_after_drain_seconds_and_leaves_the_rest_to_the_sweep() -> None:
    relay = RecordingRelay()
    relay.gate.clear()  # the bus never answers
    publisher = BackgroundPublisher(relay, hand_over_after_seconds=60, drain_seconds=0.1)
    stop = asyncio.Event()
    stop.set()
    await publisher.publish_committed(events(3))
    async with asyncio.timeout(BOUND_SECONDS):
        await publisher.run(stop)
    assert relay.published == []


@pytest.mark.parametrize("buffered", [0, 4])
async def test_the_loop_stops_promptly_when_asked(buffered: int) -> None:
    relay = RecordingRelay()
    publisher = BackgroundPublisher(relay, hand_over_after_seconds=60)
    stop = asyncio.Event()
    task = asyncio.create_task(publisher.run(stop))
    await publisher.publish_committed(events(buffered))
    await wait_until_published(relay, buffered)
    await stop_and_wait(task, stop)
    assert task.done()
