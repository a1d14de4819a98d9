"""The ports the handlers depend on; adapters implement them, unit tests pass fakes."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from shop_shared.contracts import EventEnvelope

from .domain import ChargeOutcome, ChargeRequest, ChargeSucceeded, Payment

__all__ = ["EventRelay", "PaymentProvider", "PaymentRepository"]


class PaymentRepository(Protocol):
    """Payments with a lease: one worker at a time works on a payment, and only the lease holder writes it."""

    async def add(self, payment: Payment, *, owner: str, lease_seconds: float) -> bool:
        """Store a new payment leased to `owner`; False when it was stored before (a redelivered event)."""
        ...

    async def get(self, payment_id: str) -> Payment | None: ...

    async def claim(self, payment_id: str, *, owner: str, lease_seconds: float, now: datetime) -> Payment | None:
        """Lease a payment with work due to `owner`; None when nothing is due or another worker's lease runs."""
        ...

    async def save(self, payment: Payment, *, owner: str, events: Sequence[EventEnvelope[Any]] = ()) -> bool:
        """Write the payment and its events in one transaction and release the lease; False when `owner` no
        longer holds it (it expired and another worker took over)."""
        ...

    async def due_ids(self, *, now: datetime, limit: int) -> list[str]:
        """Up to `limit` payments whose next step is due and whose lease (if any) has expired, oldest first."""
        ...


class PaymentProvider(Protocol):
    async def charge(self, request: ChargeRequest) -> ChargeOutcome:
        """Succeeded, declined, or ambiguous (a request went out and its answer was lost); raises ChargeDeferred
        when nothing ambiguous went out and the provider cannot take it now."""
        ...

    async def find_charge(self, idempotency_key: str) -> ChargeSucceeded | None:
        """The charge made with this key, if the provider has one; raises ProviderCallFailed if it cannot tell."""
        ...

    async def refund(self, charge_id: str, *, idempotency_key: str) -> str:
        """Give a charge back (idempotent by key); the refund's id. Raises ProviderCallFailed if not done."""
        ...


class EventRelay(Protocol):
    async def publish_committed(self, envelopes: Sequence[EventEnvelope[Any]]) -> None: ...

    async def run(self, stop: asyncio.Event) -> None: ...
