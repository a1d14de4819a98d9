"""What the Black Friday benchmark prints and writes: the table, the CPU lines, the spike lines, the report."""

from __future__ import annotations

from shop_devtools.benchmarks.blackfriday.load import LoadResult, Sample
from shop_devtools.benchmarks.blackfriday.measure import PhaseRun
from shop_devtools.benchmarks.blackfriday.report import (
    RunInfo,
    conditions_table,
    cpu_lines,
    format_report,
    seconds_text,
    spike_lines,
)
from shop_devtools.benchmarks.blackfriday.spike import spike_phases, spike_series
from shop_devtools.benchmarks.blackfriday.stats import ratio_lines, summarize


def _load(latencies: list[float], status: int = 201, seconds: float = 4.0) -> LoadResult:
    samples = [Sample(float(index), latency, status, f"o-{index}") for index, latency in enumerate(latencies)]
    return LoadResult(seconds, samples, dropped=1, in_flight=[(0.0, 0), (1.0, 3), (2.0, 1)])


def _runs() -> list[PhaseRun]:
    baseline = PhaseRun("baseline", "healthy", _load([0.3, 0.3, 0.4, 0.5]), {"localstack": 2.0, "sync-baseline": 1.0})
    event_driven = PhaseRun(
        "event-driven",
        "healthy",
        _load([0.05, 0.06, 0.07, 0.08]),
        {"order": 1.0, "localstack": 4.0},
        depths=[(0.0, {"loyalty-order-events": 2, "notifications-events": 0}), (1.0, {"loyalty-order-events": 7})],
        pending_after_load=3,
        settle_seconds=12.4,
        settled=True,
    )
    slow_load = _load([2.5, 6.0, 9.0, 12.0], seconds=4.0)
    slow_load.samples[3] = Sample(3.0, 12.0, None)
    slow = PhaseRun("baseline", "partner-slow", slow_load, {"localstack": 1.0})
    return [baseline, event_driven, slow]


def test_seconds_are_shown_in_ms_below_one_second() -> None:
    assert seconds_text(0.0456) == "46 ms"
    assert seconds_text(2.345) == "2.35 s"
    assert seconds_text(None) == "n/a"


def test_the_conditions_table_has_one_row_per_phase_with_the_backlog_of_the_event_driven_system() -> None:
    lines = conditions_table(_runs())

    assert lines[0].startswith("| design | condition | sent | accepted/s | p50 | p95 | p99 | errors | dropped |")
    assert len(lines) == 2 + 3
    baseline, event_driven, slow = lines[2:]
    assert "| baseline | healthy | 4 | 1.0 | 300 ms | 500 ms | 500 ms | 0 (0%) | 1 |" in baseline
    assert baseline.rstrip().endswith("| - | - | - | - | - |")
    assert "| max 7 | max 0 | max 0 | 3 | 12 s |" in event_driven
    assert "12.00 s" in slow and "| 1 (25%; no answer 1) |" in slow


def test_cpu_lines_show_seconds_and_cores_busy_largest_first() -> None:
    lines = cpu_lines(_runs()[:2])

    assert lines[0] == "- baseline / healthy: localstack 2.0 s (0.50), sync-baseline 1.0 s (0.25), all 0.75 cores of 2"
    assert lines[1].startswith("- event-driven / healthy: localstack 4.0 s (1.00), order 1.0 s (0.25)")


def test_the_spike_series_use_the_loyalty_queue_or_the_baselines_waiting_callers() -> None:
    baseline, event_driven, _ = _runs()

    assert spike_series(event_driven).backlog == [(0.0, 2.0), (1.0, 7.0)]
    assert spike_series(baseline).backlog == [(0.0, 0.0), (1.0, 3.0), (2.0, 1.0)]
    assert spike_series(baseline).p99 == [(0.0, 0.3), (1.0, 0.3), (2.0, 0.4), (3.0, 0.5)]
    assert [phase.rate for phase in spike_phases(4, 10, 60, 10)] == [4, 20, 4]


def test_spike_lines_compare_the_worst_second_before_and_during_the_spike() -> None:
    baseline = _runs()[0]

    (line,) = spike_lines([baseline], [spike_series(baseline)], (2.0, 3.0))

    assert "before the spike 300 ms, during it 400 ms" in line
    assert "peak baseline: checkouts waiting for an answer (it has no queue): 3" in line


def test_the_report_holds_date_machine_settings_tables_ratios_spike_and_cpu() -> None:
    runs = _runs()
    ratios = ratio_lines({(run.design, run.condition): summarize(run.load) for run in runs})
    info = RunInfo("2026-12-06 09:00 UTC", "2 cores x86_64", "5 orders/s", 600.0, "blackfriday.png")

    report = format_report(info, runs, ratios, runs[:2], [spike_series(run) for run in runs[:2]], (1.0, 2.0))

    for expected in (
        "- date: 2026-12-06 09:00 UTC",
        "- machine: 2 cores x86_64",
        "- settings: 5 orders/s",
        "- total time: 10.0 min",
        "| baseline | partner-slow |",
        "baseline      partner-slow     p99 degraded / p99 healthy =   24.00x",
        "goal >= 10: met",
        "![spike](blackfriday.png)",
        "- event-driven / healthy: localstack 4.0 s",
    ):
        assert expected in report, expected
