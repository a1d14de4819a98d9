"""Order's rate limit counters in memory, with the DynamoDB adapter's rules, for order's unit tests."""

from __future__ import annotations

from datetime import datetime, timedelta

from shop_order.domain import RateLimit
from shop_order.exceptions import DependencyUnavailable
from shop_order.handlers import RateLimiting
from shop_shared.clock_windows import ClockWindow

__all__ = ["InMemoryRateLimiter", "default_rate_limiting"]


class InMemoryRateLimiter:
    """(customer, window start) -> orders counted; a full window counts nothing more."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, datetime], int] = {}
        self.releases = 0
        self.unavailable = False

    async def acquire(self, customer_id: str, window: ClockWindow, *, limit: int) -> bool:
        if self.unavailable:
            raise DependencyUnavailable("DynamoDB")
        key = (customer_id, window.start)
        if self.counts.get(key, 0) >= limit:
            return False
        self.counts[key] = self.counts.get(key, 0) + 1
        return True

    async def release(self, customer_id: str, window: ClockWindow) -> None:
        key = (customer_id, window.start)
        self.releases += 1
        if self.counts.get(key, 0) > 0:
            self.counts[key] -= 1

    def counted(self, customer_id: str) -> int:
        """Orders counted for the customer, over every window."""
        return sum(count for (customer, _), count in self.counts.items() if customer == customer_id)


def default_rate_limiting(counters: InMemoryRateLimiter | None = None) -> RateLimiting:
    """The service's default limit (10 orders a minute per customer) on in-memory counters."""
    return RateLimiting(counters or InMemoryRateLimiter(), RateLimit(orders=10, window=timedelta(seconds=60)))
