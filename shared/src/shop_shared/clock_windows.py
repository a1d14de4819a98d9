"""Fixed windows of time aligned to the epoch, for limits that several tasks count together.

A 60 s window runs from one whole minute to the next, an hour's from one whole hour to the next, so every task
computes the same window for the same moment and they share one counter per window (the order rate limit, the
notifications cap per destination).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = ["ClockWindow", "clock_window_at"]


@dataclass(frozen=True)
class ClockWindow:
    """What happens in [start, end) counts together."""

    start: datetime
    end: datetime

    @property
    def start_epoch(self) -> int:
        """The window's start in epoch seconds: part of its counter's key."""
        return int(self.start.timestamp())

    @property
    def expires_at(self) -> int:
        """Epoch seconds after which the window's counter is of no use (its TTL)."""
        return math.ceil(self.end.timestamp())

    def retry_after_seconds(self, at: datetime) -> int:
        """Whole seconds from `at` to the window's end (at least 1): when the next window opens."""
        return max(1, math.ceil((self.end - at).total_seconds()))


def clock_window_at(at: datetime, width: timedelta) -> ClockWindow:
    """The window of `width` that `at` falls in."""
    seconds = width.total_seconds()
    start = datetime.fromtimestamp(math.floor(at.timestamp() / seconds) * seconds, tz=UTC)
    return ClockWindow(start=start, end=start + width)
