"""The spike chart: order p99 per second and the loyalty backlog over time, both designs (matplotlib, Agg)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: a file only

import matplotlib.pyplot as plt  # after the backend is chosen

from .spike import SpikeSeries

__all__ = ["write_chart"]

COLOURS = {"baseline": "tab:red", "event-driven": "tab:blue"}


def write_chart(series: Sequence[SpikeSeries], spike_window: tuple[float, float], rate: float, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure, (latency, backlog) = plt.subplots(2, 1, figsize=(10, 7), sharex=True)
    for line in series:
        colour = COLOURS.get(line.design, "tab:gray")
        latency.plot(*_columns(line.p99), label=line.design, color=colour, marker=".", linewidth=1)
        backlog.plot(*_columns(line.backlog), label=line.backlog_label, color=colour, linewidth=1.5)
    for axes in (latency, backlog):
        axes.axvspan(*spike_window, color="orange", alpha=0.15, label="5x spike")
        axes.grid(True, alpha=0.3)
        axes.legend(loc="upper left", fontsize=8)
    latency.set_ylabel("POST /orders p99 (s)")
    latency.set_title(f"Spike: {rate:g} orders/s, 5x for {spike_window[1] - spike_window[0]:.0f} s, then {rate:g}")
    backlog.set_ylabel("waiting work")
    backlog.set_xlabel("seconds since the load began")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _columns(points: Sequence[tuple[float, float]]) -> tuple[list[float], list[float]]:
    return [x for x, _ in points], [y for _, y in points]
