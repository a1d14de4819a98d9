"""Fixtures of the batch-worker unit tests: loyalty's in-memory tables plus an in-memory outbox."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from shop_loyalty.adapters.memory import InMemoryLoyalty, PendingWrite
from shop_shared.contracts import EventEnvelope


class InMemoryOutbox:
    def __init__(self) -> None:
        self.entries: dict[str, EventEnvelope[Any]] = {}

    def put_entry(self, envelope: EventEnvelope[Any]) -> PendingWrite:
        def store() -> None:
            self.entries[str(envelope.metadata.event_id)] = envelope

        return PendingWrite(lambda: True, store)


class RecordingPublisher:
    """Stands in for OutboxRelay.publish_committed: remembers what it was asked to publish."""

    def __init__(self) -> None:
        self.published: list[EventEnvelope[Any]] = []

    async def publish_committed(self, envelopes: Sequence[EventEnvelope[Any]]) -> None:
        self.published.extend(envelopes)


@pytest.fixture
def loyalty() -> InMemoryLoyalty:
    return InMemoryLoyalty()


@pytest.fixture
def outbox() -> InMemoryOutbox:
    return InMemoryOutbox()


@pytest.fixture
def publisher() -> RecordingPublisher:
    return RecordingPublisher()
