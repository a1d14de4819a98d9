"""The ports the handlers depend on; adapters implement them, unit tests pass fakes."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, Protocol

from shop_shared.contracts import EventEnvelope

from .domain import ChargeOutcome, ChargeRequest, Payment

__all__ = ["ChargeDeferred", "EventRelay", "PaymentProvider", "PaymentRepository"]


class ChargeDeferred(Exception):
    """The provider was not asked, or not to the end, because it is down (its circuit is open): the payment
    stays PENDING and the pending sweep tries it again later. Not a decline."""


class PaymentRepository(Protocol):
    async def add(self, payment: Payment) -> bool:
        """Store a new PENDING payment; False when it was stored before (a redelivered event)."""
        ...

    async def get(self, payment_id: str) -> Payment | None: ...

    async def pending_ids(self, older_than_seconds: float = 0.0) -> list[str]:
        """PENDING payments accepted at least `older_than_seconds` ago."""
        ...

    async def record_outcome(self, settled: Payment, envelope: EventEnvelope[Any]) -> bool:
        """Settle a PENDING payment and store its event in one transaction; False if it was no longer PENDING."""
        ...


class PaymentProvider(Protocol):
    async def charge(self, request: ChargeRequest) -> ChargeOutcome:
        """A decline is an outcome (retries exhausted on a flaky provider: provider_unavailable); raises
        ChargeDeferred when the provider is down (circuit open), so the payment waits instead of failing."""
        ...


class EventRelay(Protocol):
    async def publish_committed(self, envelopes: Sequence[EventEnvelope[Any]]) -> None: ...

    async def run(self, stop: asyncio.Event) -> None: ...
