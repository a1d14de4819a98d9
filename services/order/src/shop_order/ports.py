"""The ports the handlers depend on; adapters implement them on AWS, tests with in-memory fakes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from shop_shared.clock_windows import ClockWindow
from shop_shared.contracts import Contact, EventEnvelope

from .domain import IdempotencyRecord, Order, OrderPage, OrderStatus

__all__ = ["ContactEncryption", "OrderRateLimiter", "OrderRepository"]


class OrderRepository(Protocol):
    async def add(
        self, order: Order, events: Sequence[EventEnvelope[Any]], *, idempotency: IdempotencyRecord | None = None
    ) -> None:
        """Store a new order, its events in the outbox and its idempotency record, atomically (one transaction),
        then hand the events to the publish-after-commit (failures there are left to the outbox sweep).

        Raises IdempotencyKeyTaken, storing nothing, when a live (unexpired) record already holds the key.
        """
        ...

    async def get(self, order_id: str) -> Order | None: ...

    async def get_idempotency_record(self, key: str) -> IdempotencyRecord | None:
        """The record bound to `key` (possibly past its expiry: TTL deletion is lazy), if any."""
        ...

    async def list_for_customer(self, customer_id: str, *, limit: int, cursor: str | None) -> OrderPage:
        """At most `limit` of the customer's orders, newest first, after `cursor` (from a previous page).

        Raises InvalidCursor for a cursor this repository did not hand out for this customer.
        """
        ...

    async def save_status_change(self, order: Order, *, expected: OrderStatus) -> bool:
        """Write `order`'s status and latest history entry if the stored status is still `expected`.

        Returns False when it no longer is (another writer settled the order first).
        """
        ...


class ContactEncryption(Protocol):
    async def encrypt(self, contact: Contact, *, customer_id: str) -> str:
        """`contact.to_plaintext()` encrypted under `contact_encryption_context(customer_id)`, base64-encoded."""
        ...


class OrderRateLimiter(Protocol):
    """Counts each customer's orders per window, shared by every order task."""

    async def acquire(self, customer_id: str, window: ClockWindow, *, limit: int) -> bool:
        """Count one order in the customer's `window`, atomically, unless `limit` are counted already (then
        count nothing and return False). An outage of the store is raised (the API answers 503)."""
        ...

    async def release(self, customer_id: str, window: ClockWindow) -> None:
        """Give back one order counted by `acquire` whose order was not stored (never below zero)."""
        ...
