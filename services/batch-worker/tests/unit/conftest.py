"""Fixtures of the batch-worker unit tests: loyalty's in-memory tables, an in-memory outbox and its unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from shop_shared.contracts import EventEnvelope

from tests.fakes.loyalty import InMemoryLoyalty, InMemoryOutbox, InMemoryUnitOfWork


class RecordingPublisher:
    """Stands in for OutboxRelay.publish_committed: remembers what it was asked to publish."""

    def __init__(self) -> None:
        self.published: list[EventEnvelope[Any]] = []
        self.calls = 0

    async def publish_committed(self, envelopes: Sequence[EventEnvelope[Any]]) -> None:
        self.calls += 1
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


@pytest.fixture
def unit_of_work(loyalty: InMemoryLoyalty, outbox: InMemoryOutbox, publisher: RecordingPublisher) -> InMemoryUnitOfWork:
    """Stores the events in `outbox` with the accounts and hands them to `publisher` after the commit."""
    return InMemoryUnitOfWork(loyalty.tables, outbox=outbox, relay=publisher)
