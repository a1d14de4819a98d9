"""CPU time of the processes the benchmark started, read from /proc: where a run's time goes on a shared machine."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

__all__ = ["CpuMeter", "process_cpu_seconds"]

_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process and of its children it waited for; None without /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces; the numeric fields start after its closing parenthesis.
    fields = stat.rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
    return (utime + stime + cutime + cstime) / _TICKS_PER_SECOND


class CpuMeter:
    """CPU seconds each labelled process spent between `start()` and `stop()`."""

    def __init__(self, pids: Mapping[str, int]) -> None:
        self._pids = dict(pids)
        self._before: dict[str, float] = {}
        self.seconds: dict[str, float] = {}

    def start(self) -> None:
        readings = {label: process_cpu_seconds(pid) for label, pid in self._pids.items()}
        self._before = {label: value for label, value in readings.items() if value is not None}

    def stop(self) -> dict[str, float]:
        for label, before in self._before.items():
            after = process_cpu_seconds(self._pids[label])
            if after is not None:
                self.seconds[label] = after - before
        return self.seconds
