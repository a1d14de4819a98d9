"""The figures of a load: percentiles, per-second p99, and the ratio lines against the healthy run (pure)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from .load import LoadResult

__all__ = [
    "GOALS",
    "LoadSummary",
    "RatioLine",
    "error_kinds",
    "per_second_p99",
    "percentile",
    "ratio_lines",
    "summarize",
]

HEALTHY = "healthy"
# (design, condition) -> (comparison, bound) of `p99 degraded / p99 healthy`; printed beside the ratio, never asserted.
GOALS: dict[tuple[str, str], tuple[str, float]] = {
    ("event-driven", "partner-slow"): ("<=", 1.2),
    ("event-driven", "loyalty-stopped"): ("<=", 1.2),
    ("event-driven", "provider-slow"): ("<=", 1.2),
    ("baseline", "partner-slow"): (">=", 10.0),
}


def percentile(values: Sequence[float], q: float) -> float | None:
    """The nearest-rank percentile: the smallest value with at least q % of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class LoadSummary:
    sent: int
    accepted: int
    errors: int
    dropped: int
    seconds: float
    p50: float | None
    p95: float | None
    p99: float | None

    @property
    def accepted_per_second(self) -> float:
        return self.accepted / self.seconds if self.seconds > 0 else 0.0

    @property
    def error_share(self) -> float:
        return self.errors / self.sent if self.sent else 0.0


def summarize(result: LoadResult) -> LoadSummary:
    """Percentiles over every request sent (answered or timed out): a fast refusal counts, as an error too."""
    latencies = [sample.latency for sample in result.samples]
    return LoadSummary(
        sent=len(result.samples),
        accepted=len(result.accepted),
        errors=result.errors,
        dropped=result.dropped,
        seconds=result.seconds,
        p50=percentile(latencies, 50),
        p95=percentile(latencies, 95),
        p99=percentile(latencies, 99),
    )


def error_kinds(result: LoadResult) -> str:
    """What the errors were, most frequent first: "no answer 3, HTTP 503 2" (empty without errors)."""
    kinds = Counter("no answer" if sample.status is None else f"HTTP {sample.status}" for sample in result.samples)
    kinds.pop("HTTP 201", None)
    return ", ".join(f"{kind} {count}" for kind, count in kinds.most_common())


def per_second_p99(result: LoadResult) -> list[tuple[int, float]]:
    """(second, p99 of the requests due in that second), for every second with a request."""
    buckets: dict[int, list[float]] = defaultdict(list)
    for sample in result.samples:
        buckets[int(sample.offset)].append(sample.latency)
    return [(second, percentile(values, 99) or 0.0) for second, values in sorted(buckets.items())]


@dataclass(frozen=True)
class RatioLine:
    design: str
    condition: str
    ratio: float | None  # None: no healthy or no degraded p99
    error_share: float
    goal: tuple[str, float] | None

    @property
    def meets_goal(self) -> bool | None:
        if self.goal is None or self.ratio is None:
            return None
        comparison, bound = self.goal
        return self.ratio <= bound if comparison == "<=" else self.ratio >= bound

    def text(self) -> str:
        ratio = "n/a" if self.ratio is None else f"{self.ratio:.2f}x"
        line = f"{self.design:<13} {self.condition:<16} p99 degraded / p99 healthy = {ratio:>8}"
        line += f"  (errors {self.error_share:.0%})"
        if self.goal is not None:
            verdict = {True: "met", False: "NOT met", None: "n/a"}[self.meets_goal]
            line += f"  goal {self.goal[0]} {self.goal[1]:g}: {verdict}"
        return line


def ratio_lines(summaries: dict[tuple[str, str], LoadSummary]) -> list[RatioLine]:
    """One line per (design, degraded condition) whose design has a healthy run, in the order measured."""
    lines = []
    for (design, condition), summary in summaries.items():
        if condition == HEALTHY or (design, HEALTHY) not in summaries:
            continue
        healthy = summaries[(design, HEALTHY)].p99
        ratio = summary.p99 / healthy if summary.p99 is not None and healthy else None
        lines.append(RatioLine(design, condition, ratio, summary.error_share, GOALS.get((design, condition))))
    return lines
