"""What the batch handlers need beyond loyalty's ports: the outbox write and the after-commit publish."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from shop_shared.contracts import EventEnvelope

__all__ = ["CommittedEventPublisher", "OutboxWriter"]


class OutboxWriter(Protocol):
    def put_entry(self, envelope: EventEnvelope[Any]) -> Any:
        """A transaction element that stores the event beside the state change."""
        ...


class CommittedEventPublisher(Protocol):
    async def publish_committed(self, envelopes: Sequence[EventEnvelope[Any]]) -> None: ...
