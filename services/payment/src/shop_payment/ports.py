"""The ports the handlers depend on; adapters implement them, unit tests pass fakes."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, Protocol

from shop_shared.contracts import EventEnvelope

from .domain import ChargeOutcome, ChargeRequest, Payment

__all__ = ["EventRelay", "PaymentProvider", "PaymentRepository"]


class PaymentRepository(Protocol):
    async def add(self, payment: Payment) -> bool:
        """Store a new PENDING payment; False when it was stored before (a redelivered event)."""
        ...

    async def get(self, payment_id: str) -> Payment | None: ...

    async def pending_ids(self) -> list[str]: ...

    async def record_outcome(self, settled: Payment, envelope: EventEnvelope[Any]) -> bool:
        """Settle a PENDING payment and store its event in one transaction; False if it was no longer PENDING."""
        ...


class PaymentProvider(Protocol):
    async def charge(self, request: ChargeRequest) -> ChargeOutcome:
        """Never raises for the provider's failures: an unreachable provider is a decline (provider_unavailable)."""
        ...


class EventRelay(Protocol):
    async def publish_committed(self, envelopes: Sequence[EventEnvelope[Any]]) -> None: ...

    async def run(self, stop: asyncio.Event) -> None: ...
