"""What the benchmark prints and writes: the conditions table, the ratio lines, the spike, the CPU (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .measure import PhaseRun
from .spike import SpikeSeries
from .stats import LoadSummary, RatioLine, error_kinds, summarize

__all__ = ["RunInfo", "conditions_table", "cpu_lines", "format_report", "seconds_text", "spike_lines"]

QUEUE_COLUMNS = {
    "loyalty-order-events": "loyalty q",
    "notifications-events": "notif. q",
    "order-payment-outcomes": "order q",
}


@dataclass(frozen=True)
class RunInfo:
    date: str
    machine: str
    settings: str
    total_seconds: float
    chart: str


def seconds_text(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def conditions_table(runs: Sequence[PhaseRun]) -> list[str]:
    """A markdown table: one row per (design, condition)."""
    header = ["design", "condition", "sent", "accepted/s", "p50", "p95", "p99", "errors", "dropped"]
    header += [*QUEUE_COLUMNS.values(), "pending at end", "settled after"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for run in runs:
        summary = summarize(run.load)
        cells = [
            run.design,
            run.condition,
            str(summary.sent),
            f"{summary.accepted_per_second:.1f}",
            seconds_text(summary.p50),
            seconds_text(summary.p95),
            seconds_text(summary.p99),
            f"{summary.errors} ({summary.error_share:.0%}{'; ' + error_kinds(run.load) if summary.errors else ''})",
            str(summary.dropped),
        ]
        if run.settled is None:
            cells += ["-"] * (len(QUEUE_COLUMNS) + 2)
        else:
            cells += [f"max {run.max_depth(queue)}" for queue in QUEUE_COLUMNS]
            settled = (
                f"{run.settle_seconds or 0:.0f} s" if run.settled else f"not within {run.settle_seconds or 0:.0f} s"
            )
            cells += [str(run.pending_after_load), settled]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def cpu_lines(runs: Sequence[PhaseRun]) -> list[str]:
    """The CPU each process used during each phase's load: seconds and cores kept busy (CPU / wall time)."""
    lines = []
    for run in runs:
        wall = run.load.seconds
        parts = [
            f"{label} {seconds:.1f} s ({seconds / wall:.2f})" if wall > 0 else f"{label} {seconds:.1f} s"
            for label, seconds in sorted(run.cpu_seconds.items(), key=lambda item: -item[1])
        ]
        total = sum(run.cpu_seconds.values())
        busy = f", all {total / wall:.2f} cores of 2" if wall > 0 else ""
        lines.append(f"- {run.design} / {run.condition}: {', '.join(parts)}{busy}")
    return lines


def spike_lines(runs: Sequence[PhaseRun], series: Sequence[SpikeSeries], window: tuple[float, float]) -> list[str]:
    lines = []
    for run, line in zip(runs, series, strict=True):
        summary: LoadSummary = summarize(run.load)
        inside = [value for second, value in line.p99 if window[0] <= second < window[1]]
        outside = [value for second, value in line.p99 if second < window[0]]
        peak_backlog = max((value for _, value in line.backlog), default=0.0)
        lines.append(
            f"- {run.design}: p99 over the run {seconds_text(summary.p99)}; worst second before the spike "
            f"{seconds_text(max(outside, default=None))}, during it {seconds_text(max(inside, default=None))}; "
            f"errors {summary.errors}, dropped {summary.dropped}; peak {line.backlog_label}: {peak_backlog:.0f}"
            + (f"; settled {run.settle_seconds or 0:.0f} s after the load" if run.settled else "")
        )
    return lines


def format_report(
    info: RunInfo,
    runs: Sequence[PhaseRun],
    ratios: Sequence[RatioLine],
    spike_runs: Sequence[PhaseRun],
    series: Sequence[SpikeSeries],
    window: tuple[float, float],
) -> str:
    lines = [
        "# Black Friday, measured: the synchronous baseline vs the event-driven system",
        "",
        f"- date: {info.date}",
        f"- machine: {info.machine}",
        f"- settings: {info.settings}",
        f"- total time: {info.total_seconds / 60:.1f} min",
        "",
        "## Four conditions (open-model load)",
        "",
        *conditions_table(runs),
        "",
        "Latencies are of every request sent (an error answer or a timeout counts too), from the moment it was due;",
        "no answer: refused or past the client's timeout.",
        "Queue columns: the most messages waiting in each service queue (sampled each second); pending at end:",
        "orders still awaiting payment when the load ended; settled after: until every order was final and every",
        "queue empty, from the end of the load.",
        "",
        "## Ratio lines (printed, never asserted)",
        "",
        "```",
        *(line.text() for line in ratios),
        "```",
        "",
        "## Spike",
        "",
        *spike_lines(spike_runs, series, window),
        "",
        f"![spike]({info.chart})",
        "",
        "## CPU of each process during each load (seconds, and cores kept busy)",
        "",
        *cpu_lines([*runs, *spike_runs]),
        "",
        "LocalStack and moto share the 2 cores with everything else: when they keep about 1.3 cores busy, they",
        "are the ceiling of this machine, not the services.",
        "",
        "## Reading it",
        "",
        "- Locally the event-driven order API shares one LocalStack (KMS, PutEvents and the deliveries it fans",
        "  out) and one moto with the consumers it feeds, on the same 2 cores: backlog work slows the front door",
        "  here. On AWS those are separate, scaled services; the baseline's slowness comes from its own chain.",
        "- A request the client gave up on (no answer) may still be processed by the server: the event-driven",
        "  system then publishes and settles an order the client never saw accepted.",
        "- The baseline's slots model the finite worker pool of a synchronous server; `--baseline-slots 0`",
        "  removes the bound (the asyncio app then only adds the partner's latency to every answer).",
    ]
    return "\n".join(lines) + "\n"
