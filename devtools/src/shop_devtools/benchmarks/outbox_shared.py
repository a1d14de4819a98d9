"""What the `make bench-outbox` modules share: the thread counts, a timed round, and the progress line."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["RELAY_CONCURRENT_SHARDS", "THREADS", "Round", "say"]

THREADS = 8  # threads writing the backlog and receiving from the capture queue
RELAY_CONCURRENT_SHARDS = 8  # shards one relay drains at once; the raw baseline uses as many threads


@dataclass
class Round:
    """One timed measurement: `events` delivered in `seconds`, and the CPU seconds of each process meanwhile."""

    label: str
    events: int
    seconds: float
    cpu_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def say(message: str) -> None:
    print(f"bench-outbox | {message}", flush=True)
