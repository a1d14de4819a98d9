"""The outbox relay's rules on fakes at the boundary: an entry the bus keeps refusing is parked after
max_attempts and holds nothing else back for longer; later entries of its shard never overtake it before that;
a relay takes its fair share of the shards and gives back what is over it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from shop_devtools.testing.events import payment_failed_event
from shop_shared.contracts import EventEnvelope
from shop_shared.messaging.publisher import PublishResult
from shop_shared.outbox import OUTBOX_SHARDS, OutboxRelay, PendingEntry


@dataclass
class FakeOutbox:
    """Every entry in shard "0", in stored order; leases granted unless `taken` says another relay holds one."""

    entries: list[PendingEntry] = field(default_factory=list)
    parked: dict[str, str] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    members: int = 1
    taken: set[str] = field(default_factory=set)
    released: list[str] = field(default_factory=list)
    table_name: str = "fake-outbox"

    def add(self, envelope: EventEnvelope[Any]) -> None:
        self.entries.append(PendingEntry(str(envelope.metadata.event_id), envelope, float(len(self.entries)), 0))

    async def pending_in_shard(self, shard: str, *, older_than_seconds: float, limit: int) -> list[PendingEntry]:
        return self.entries[:limit] if shard == "0" else []

    async def remove(self, event_ids: Iterable[str]) -> None:
        gone = set(event_ids)
        self.entries = [entry for entry in self.entries if entry.entry_id not in gone]

    async def record_failure(self, entry_id: str, error: str, *, park: bool) -> None:
        self.failures[entry_id] = self.failures.get(entry_id, 0) + 1
        self.entries = [
            PendingEntry(e.entry_id, e.envelope, e.stored_at, e.attempts + 1) if e.entry_id == entry_id else e
            for e in self.entries
            if not (park and e.entry_id == entry_id)
        ]
        if park:
            self.parked[entry_id] = error

    async def backlog(self, shards: Iterable[str], *, cap: int = 100_000) -> tuple[int, float | None]:
        return len(self.entries), 0.0

    async def heartbeat(self, owner: str, *, ttl_seconds: float) -> int:
        return self.members

    async def leave(self, owner: str) -> None:
        return None

    async def acquire_shard(self, shard: str, owner: str, *, lease_seconds: float) -> bool:
        return shard not in self.taken

    async def release_shard(self, shard: str, owner: str) -> None:
        self.released.append(shard)


@dataclass
class RefusingBus:
    """Accepts every event except those in `refused`; records what it accepted, in order."""

    refused: set[uuid.UUID] = field(default_factory=set)
    accepted: list[uuid.UUID] = field(default_factory=list)

    async def publish(self, envelopes: Sequence[EventEnvelope[Any]]) -> PublishResult:
        result = PublishResult()
        for envelope in envelopes:
            event_id = envelope.metadata.event_id
            if event_id in self.refused:
                result.failed[event_id] = "MalformedDetail: refused for good"
            else:
                result.published.append(event_id)
                self.accepted.append(event_id)
        return result


def _relay(outbox: FakeOutbox, bus: RefusingBus) -> OutboxRelay:
    return OutboxRelay(outbox, bus, sweep_min_age_seconds=0, max_attempts=3, owner="relay-a")  # type: ignore[arg-type]


async def test_an_entry_the_bus_refuses_is_parked_after_max_attempts_and_the_rest_then_flows() -> None:
    outbox, bus = FakeOutbox(), RefusingBus()
    events = [payment_failed_event() for _ in range(25)]
    for envelope in events:
        outbox.add(envelope)
    poison = events[0]
    bus.refused.add(poison.metadata.event_id)
    relay = _relay(outbox, bus)

    first = await relay.sweep_once()
    assert first == 9, "the rest of the poison's batch went; the later batches wait behind it"
    assert outbox.failures == {str(poison.metadata.event_id): 1} and not outbox.parked

    second = await relay.sweep_once()
    third = await relay.sweep_once()

    assert outbox.parked == {str(poison.metadata.event_id): "MalformedDetail: refused for good"}
    assert (second, third) == (9, 6) and outbox.entries == []
    assert bus.accepted == [e.metadata.event_id for e in events[1:]], "stored order kept for all the others"


async def test_an_entry_that_does_not_parse_is_parked_at_once() -> None:
    outbox, bus = FakeOutbox(), RefusingBus()
    outbox.entries.append(PendingEntry("broken", None, 0.0, 0, parse_error="UnknownEventType: no contract"))
    good = payment_failed_event()
    outbox.add(good)

    published = await _relay(outbox, bus).sweep_once()

    assert published == 1 and bus.accepted == [good.metadata.event_id]
    assert outbox.parked == {"broken": "UnknownEventType: no contract"}


async def test_a_relay_takes_its_fair_share_and_gives_back_what_is_over_it() -> None:
    outbox, bus = FakeOutbox(), RefusingBus()
    relay = _relay(outbox, bus)
    await relay.sweep_once()
    assert len(relay.owned_shards) == OUTBOX_SHARDS, "alone, it takes every shard"

    outbox.members = 2  # another relay says it is alive
    relay._next_rebalance = 0.0
    await relay.sweep_once()

    assert len(relay.owned_shards) == OUTBOX_SHARDS // 2
    assert len(outbox.released) == OUTBOX_SHARDS // 2 and not set(outbox.released) & set(relay.owned_shards)


async def test_a_shard_another_relay_holds_is_not_taken() -> None:
    outbox, bus = FakeOutbox(taken={"0"}), RefusingBus()
    outbox.add(payment_failed_event())
    relay = _relay(outbox, bus)

    published = await relay.sweep_once()

    assert published == 0 and "0" not in relay.owned_shards and bus.accepted == []
