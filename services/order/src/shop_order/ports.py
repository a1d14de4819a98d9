"""The ports the handlers depend on; adapters implement them on AWS, tests with in-memory fakes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from shop_shared.contracts import EventEnvelope

from .domain import Contact, Order, OrderStatus

__all__ = ["CommittedEventPublisher", "ContactEncryption", "OrderRepository"]


class OrderRepository(Protocol):
    async def add(self, order: Order, events: Sequence[EventEnvelope[Any]]) -> None:
        """Store a new order and its events in the outbox, atomically (one transaction)."""
        ...

    async def get(self, order_id: str) -> Order | None: ...

    async def save_status_change(self, order: Order, *, expected: OrderStatus) -> bool:
        """Write `order`'s status and latest history entry if the stored status is still `expected`.

        Returns False when it no longer is (another writer settled the order first).
        """
        ...


class ContactEncryption(Protocol):
    async def encrypt(self, contact: Contact, *, customer_id: str) -> str:
        """The contact JSON encrypted for `customer_id`, base64-encoded."""
        ...


class CommittedEventPublisher(Protocol):
    async def publish_committed(self, envelopes: Sequence[EventEnvelope[Any]]) -> None:
        """Publish events already committed to the outbox; failures are left to the outbox sweep."""
        ...
