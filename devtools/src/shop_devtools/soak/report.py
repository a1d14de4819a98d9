"""What the soak prints: the load's figures, the fault timeline, the CPU of every process, then the checks."""

from __future__ import annotations

import math
from collections import Counter

from .invariants import Check, summary
from .load import Placed, TimelineEntry
from .settle import Settled

__all__ = ["format_report", "percentile"]


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share 0.99 = p99); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(share * len(ordered))))
    return ordered[rank - 1]


def format_report(
    *,
    placed: list[Placed],
    rate: float,
    load_seconds: float,
    wall_seconds: float,
    timeline: list[TimelineEntry],
    replayed: Counter[str],
    settled: Settled,
    provider_stats: dict[str, int],
    cpu_seconds: dict[str, float],
    checks: list[Check],
) -> str:
    accepted = [p for p in placed if p.order_id]
    latencies = [p.seconds for p in accepted]
    retried = sum(p.attempts > (2 if p.planned.duplicate_post else 1) for p in placed)
    lines = [
        "",
        f"load: {len(placed):,} orders in {load_seconds:.1f} s ({len(accepted) / max(load_seconds, 0.001):.1f} "
        f"accepted/s, target {rate:g}/s); {sum(p.planned.duplicate_post for p in placed):,} POSTed twice; "
        f"{retried:,} needed a retry; POST to 201 incl. retries p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
        f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms, p99 {percentile(latencies, 0.99) * 1000:.0f} ms, "
        f"max {max(latencies, default=0):.1f} s",
        "faults (t = seconds since the first order):",
        "  throughout: provider 5 % 500s, 5 % 429s, 6 % of charges answered late (3 s) or dropped; partner 2 % 500s",
        *(
            f"  t={e.at_seconds:7.1f} s  after {e.orders_sent:>6,} orders  {e.what}"
            for e in sorted(timeline, key=lambda e: e.at_seconds)
        ),
        "  events replayed (same event id put on the bus again): "
        + (", ".join(f"{n:,} {kind}" for kind, n in sorted(replayed.items())) or "none"),
        f"  order.created delivered again to payment (LocalStack's API destination makes one attempt; AWS retries): "
        f"{len(settled.redelivered):,}",
        f"settled: {'yes' if settled.ok else 'NO'} after {settled.seconds:.0f} s ({settled.last_state})",
        "provider requests: " + ", ".join(f"{k} {v:,}" for k, v in sorted(provider_stats.items()) if v),
        f"CPU seconds over the {wall_seconds:.0f} s from the first order to settled (cores busy; the services "
        "since started, every incarnation): "
        + ", ".join(
            f"{name} {seconds:.1f} ({seconds / max(wall_seconds, 0.001):.2f})"
            for name, seconds in sorted(cpu_seconds.items(), key=lambda item: -item[1])
        ),
        "checks:",
        *(f"  {check.line()}" for check in checks),
        summary(checks),
    ]
    return "\n".join(lines)


def _by_time(timeline: list[TimelineEntry]) -> list[TimelineEntry]:
    return sorted(timeline, key=lambda entry: entry.at_seconds)
