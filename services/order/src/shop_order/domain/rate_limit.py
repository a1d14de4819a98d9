"""The per-customer order rate limit: at most `orders` orders per customer in each fixed window of time.

Windows are aligned to the epoch (shop_shared.clock_windows), so every order task computes the same window for
the same moment and they share one counter per customer and window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from shop_shared.clock_windows import ClockWindow, clock_window_at

__all__ = ["RateLimit"]


@dataclass(frozen=True)
class RateLimit:
    orders: int
    window: timedelta

    def __post_init__(self) -> None:
        if self.orders < 1 or self.window < timedelta(seconds=1):
            raise ValueError("a rate limit allows at least 1 order per window of at least 1 second")

    def window_at(self, at: datetime) -> ClockWindow:
        """The window `at` falls in."""
        return clock_window_at(at, self.window)
