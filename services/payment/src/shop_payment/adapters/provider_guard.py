"""Protects the slow, rate-limited payment provider and us from each other: a client-side rate limit on every
attempt, and a circuit breaker that stops calling a provider which keeps failing.

The breaker lives in this process (each ECS task has its own): `failure_threshold` consecutive failed attempts
(timeouts, connection errors, 5xx, malformed answers) open it; while it is open no attempt is made; after
`recovery_seconds` the next attempts go through (half-open) and the first success closes it, a failure opens it
again. Answers are not failures: a decline (402), a rate limit (429) or a rejected request end the attempt as
a success for the breaker, because the provider is up and answering.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiolimiter import AsyncLimiter
from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import OPENED, OpenedState

from shop_payment.exceptions import ChargeDeferred

__all__ = ["CIRCUIT_NAME", "ProviderGuard"]

logger = logging.getLogger(__name__)

CIRCUIT_NAME = "payment-provider"


def _limiter(rate_per_second: float) -> AsyncLimiter:
    # aiolimiter refuses to acquire more than max_rate at once: below 1/s, express the rate as 1 per period.
    if rate_per_second >= 1:
        return AsyncLimiter(rate_per_second, 1.0)
    return AsyncLimiter(1, 1.0 / rate_per_second)


class ProviderGuard:
    def __init__(
        self, *, rate_limit_per_second: float = 20.0, failure_threshold: int = 5, recovery_seconds: float = 30.0
    ) -> None:
        if rate_limit_per_second <= 0:
            raise ValueError("rate_limit_per_second must be positive")
        self._limiter = _limiter(rate_limit_per_second)
        # A cancelled attempt (shutdown) says nothing about the provider's health.
        self._breakers = AsyncCircuitBreakerFactory(
            default_threshold=failure_threshold, default_ttl=recovery_seconds, exclude=[asyncio.CancelledError]
        )
        self._breakers.add_listener(self._log_state_change)

    @asynccontextmanager
    async def attempt(self) -> AsyncIterator[None]:
        """One call to the provider: refused with ChargeDeferred while the circuit is open, else paced by the
        rate limit. An exception out of the block is a provider failure; leaving it normally is a success."""
        breaker = await self._breakers.get_breaker(CIRCUIT_NAME)
        try:
            async with breaker, self._limiter:
                yield
        except OpenedState as error:  # raised on entering only, before any call
            raise ChargeDeferred("the payment provider's circuit is open") from error

    async def is_open(self) -> bool:
        breaker = await self._breakers.get_breaker(CIRCUIT_NAME)
        return breaker.context.state == OPENED

    @staticmethod
    def _log_state_change(circuit: str, event_name: str, event: Any) -> None:
        if event_name != "state_changed":
            return
        if event.state == OPENED:
            logger.warning("payment provider circuit opened; payments wait", extra={"circuit": circuit})
        else:
            logger.info("payment provider circuit changed", extra={"circuit": circuit, "circuit_state": event.state})
