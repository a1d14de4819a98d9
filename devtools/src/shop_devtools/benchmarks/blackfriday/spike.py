"""The spike: steady load, then `factor` x for a while, then steady again; per second p99 and backlog."""

from __future__ import annotations

from dataclasses import dataclass

from .load import Phase
from .measure import EVENT_DRIVEN, PhaseRun
from .stats import per_second_p99

__all__ = ["LOYALTY_QUEUE", "SpikeSeries", "spike_phases", "spike_series"]

LOYALTY_QUEUE = "loyalty-order-events"


def spike_phases(rate: float, before: float, spike: float, after: float, factor: float = 5.0) -> list[Phase]:
    return [Phase(before, rate), Phase(spike, rate * factor), Phase(after, rate)]


@dataclass(frozen=True)
class SpikeSeries:
    design: str
    p99: list[tuple[float, float]]  # (second, p99 of the orders due in it)
    backlog: list[tuple[float, float]]  # (second, depth): the loyalty queue; for the baseline its waiting callers
    backlog_label: str


def spike_series(run: PhaseRun) -> SpikeSeries:
    p99 = [(float(second), value) for second, value in per_second_p99(run.load)]
    if run.design == EVENT_DRIVEN:
        backlog = [(moment, float(depths.get(LOYALTY_QUEUE, 0))) for moment, depths in run.depths]
        label = "event-driven: loyalty queue depth (messages)"
    else:
        # The baseline has no queue: the orders it has not answered yet wait in the callers (here, in flight).
        backlog = [(moment, float(count)) for moment, count in run.load.in_flight]
        label = "baseline: checkouts waiting for an answer (it has no queue)"
    return SpikeSeries(run.design, p99, backlog, label)
