"""What the tier benchmark prints: rates, each phase's share of the worker time, parallelism, the checks."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["BenchmarkReport", "Check", "format_report", "phase_shares"]

PHASES = ("read", "compute", "write", "publish")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class BenchmarkReport:
    """Figures of one benchmark run; ratios are computed from these only (the machine is shared and noisy)."""

    setup: str  # customers, chunk size, workers, runtime
    customers_loaded: int
    load_seconds: float
    customers_processed: int
    chunks: int
    wall_seconds: float
    upgrades: int
    downgrades: int
    tier_changes: dict[str, int]
    phase_seconds: dict[str, float]
    checks: list[Check] = field(default_factory=list)
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # process label -> CPU seconds during the run

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)


def phase_shares(phase_seconds: dict[str, float]) -> dict[str, float]:
    """Each phase's share of the summed worker time, in the usual phase order, then any others."""
    total = sum(phase_seconds.values())
    names = [name for name in PHASES if name in phase_seconds] + sorted(set(phase_seconds) - set(PHASES))
    return {name: (phase_seconds[name] / total if total else 0.0) for name in names}


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f} customers/s" if seconds > 0 else "n/a customers/s"


def format_report(report: BenchmarkReport) -> str:
    changes = report.upgrades + report.downgrades
    change_share = changes / report.customers_processed if report.customers_processed else 0.0
    new_tiers = ", ".join(f"{tier} {count:,}" for tier, count in report.tier_changes.items() if count)
    worker_seconds = sum(report.phase_seconds.values())
    lines = [
        f"setup        {report.setup}",
        f"load         {report.customers_loaded:,} customers in {report.load_seconds:.1f} s"
        f" ({_rate(report.customers_loaded, report.load_seconds)})",
        f"run          {report.customers_processed:,} customers in {report.chunks} chunks,"
        f" wall {report.wall_seconds:.1f} s: {_rate(report.customers_processed, report.wall_seconds)}",
        f"tier changes {changes:,} ({change_share:.1%}): {report.upgrades:,} upgrades,"
        f" {report.downgrades:,} downgrades; new tiers: {new_tiers or 'none'}",
        "worker time by phase (summed over chunks, share of the total):",
    ]
    for name, share in phase_shares(report.phase_seconds).items():
        lines.append(f"  {name:<8} {report.phase_seconds[name]:>9.1f} s  {share:>6.1%}")
    lines.append(f"  {'total':<8} {worker_seconds:>9.1f} s")
    parallelism = worker_seconds / report.wall_seconds if report.wall_seconds > 0 else 0.0
    lines.append(f"worker parallelism {parallelism:.2f} (summed phase time / wall time)")
    if report.cpu_seconds and report.wall_seconds > 0:
        lines.append("CPU during the run (seconds, and cores kept busy = CPU time / wall time):")
        for label, seconds in sorted(report.cpu_seconds.items(), key=lambda entry: -entry[1]):
            lines.append(f"  {label:<14} {seconds:>8.1f} s  {seconds / report.wall_seconds:>5.2f} cores")
    lines.append("checks:")
    lines.extend(f"  {'ok    ' if check.ok else 'FAILED'} {check.name}: {check.detail}" for check in report.checks)
    lines.append("result: " + ("all checks passed" if report.ok else "SOME CHECKS FAILED"))
    return "\n".join(lines)
