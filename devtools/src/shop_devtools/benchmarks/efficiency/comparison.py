"""A figure beside its raw baseline of the same run, as a ratio with the goal beside it (printed, never asserted)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Comparison", "format_comparisons", "format_cpu", "percentile"]


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (`share` in [0, 1]); NaN for no values."""
    if not 0 <= share <= 1:
        raise ValueError("share is in [0, 1]")
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Comparison:
    """`measured` (the design) against `baseline` (the raw calls) in `unit`.

    The goal reads "ratio <= goal" (`at_most`: lower is better, e.g. CPU or latency) or "ratio >= goal"
    (`at_least`: higher is better, e.g. a rate).
    """

    name: str
    unit: str
    measured: float
    baseline: float
    goal: float
    goal_kind: Literal["at_most", "at_least"]
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # process -> CPU seconds during the measurement
    wall_seconds: float = 0.0
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.measured / self.baseline if self.baseline else math.nan

    @property
    def meets_goal(self) -> bool:
        if math.isnan(self.ratio):
            return False
        return self.ratio <= self.goal if self.goal_kind == "at_most" else self.ratio >= self.goal

    @property
    def goal_text(self) -> str:
        sign = "<=" if self.goal_kind == "at_most" else ">="
        return f"{sign} {self.goal:.0%}" if self.goal < 1 else f"{sign} {self.goal:g}x"

    @property
    def ratio_text(self) -> str:
        return f"{self.ratio:.0%}" if self.goal < 1 else f"{self.ratio:.2f}x"


def format_cpu(cpu_seconds: dict[str, float], wall_seconds: float) -> str:
    """`label CPU s (cores busy)` of each process, busiest first."""
    if not cpu_seconds:
        return "no CPU figures (emulators not started by this run)"
    ordered = sorted(cpu_seconds.items(), key=lambda item: -item[1])
    if wall_seconds <= 0:
        return ", ".join(f"{label} {seconds:.1f} s" for label, seconds in ordered)
    return ", ".join(f"{label} {seconds:.1f} s ({seconds / wall_seconds:.2f})" for label, seconds in ordered)


def format_comparisons(comparisons: Sequence[Comparison]) -> str:
    lines = [f"{'comparison':<44}{'design':>12}{'raw':>12}{'ratio':>9}{'goal':>9}  verdict"]
    for item in comparisons:
        verdict = "meets the goal" if item.meets_goal else "misses the goal"
        lines.append(
            f"{item.name:<44}{item.measured:>12,.2f}{item.baseline:>12,.2f}{item.ratio_text:>9}"
            f"{item.goal_text:>9}  {verdict} ({item.unit})"
        )
        if item.note:
            lines.append(f"  {item.note}")
        lines.append(f"  CPU s (cores busy): {format_cpu(item.cpu_seconds, item.wall_seconds)}")
    return "\n".join(lines)
