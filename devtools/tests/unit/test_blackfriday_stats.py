"""Percentiles, per-second p99 and the ratio lines of the Black Friday benchmark."""

from __future__ import annotations

import pytest
from shop_devtools.benchmarks.blackfriday.load import LoadResult, Sample
from shop_devtools.benchmarks.blackfriday.stats import (
    LoadSummary,
    error_kinds,
    per_second_p99,
    percentile,
    ratio_lines,
    summarize,
)


def test_percentiles_are_nearest_rank() -> None:
    values = [float(value) for value in range(1, 101)]  # 1 .. 100, shuffled order must not matter
    values.reverse()

    assert percentile(values, 50) == 50.0
    assert percentile(values, 95) == 95.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([7.0], 99) == 7.0
    assert percentile([], 99) is None


def test_p99_of_few_values_is_the_worst() -> None:
    assert percentile([0.1] * 9 + [5.0], 99) == 5.0


def _result(*samples: tuple[float, float, int | None], dropped: int = 0, seconds: float = 10.0) -> LoadResult:
    return LoadResult(seconds, [Sample(offset, latency, status) for offset, latency, status in samples], dropped)


def test_summary_counts_errors_and_rates_over_the_scheduled_duration() -> None:
    result = _result((0.0, 0.1, 201), (1.0, 0.2, 201), (2.0, 0.3, 503), (3.0, 30.0, None), dropped=2, seconds=2.0)

    summary = summarize(result)

    assert (summary.sent, summary.accepted, summary.errors, summary.dropped) == (4, 2, 2, 2)
    assert summary.accepted_per_second == 1.0
    assert summary.error_share == 0.5
    assert summary.p50 == 0.2 and summary.p99 == 30.0  # a timeout counts, at the client's timeout
    assert error_kinds(result) == "HTTP 503 1, no answer 1"  # ties: in the order they came


def test_error_kinds_are_counted_most_frequent_first_and_empty_without_errors() -> None:
    result = _result((0.0, 1.0, None), (0.1, 0.1, 503), (0.2, 1.0, None), (0.3, 0.1, 201))

    assert error_kinds(result) == "no answer 2, HTTP 503 1"
    assert error_kinds(_result((0.0, 0.1, 201))) == ""


def test_per_second_p99_buckets_requests_by_when_they_were_due() -> None:
    result = _result((0.1, 0.2, 201), (0.9, 0.4, 201), (2.5, 1.0, 201))

    assert per_second_p99(result) == [(0, 0.4), (2, 1.0)]


def _summary(p99: float | None, errors: int = 0) -> LoadSummary:
    return LoadSummary(sent=10, accepted=10 - errors, errors=errors, dropped=0, seconds=1, p50=p99, p95=p99, p99=p99)


def test_ratio_lines_divide_by_the_designs_healthy_p99_and_judge_the_goals() -> None:
    lines = ratio_lines(
        {
            ("baseline", "healthy"): _summary(0.3),
            ("event-driven", "healthy"): _summary(0.1),
            ("baseline", "partner-slow"): _summary(4.5),
            ("event-driven", "partner-slow"): _summary(0.11),
            ("baseline", "loyalty-stopped"): _summary(0.03, errors=10),
            ("event-driven", "provider-slow"): _summary(0.2),
        }
    )

    by_key = {(line.design, line.condition): line for line in lines}
    assert set(by_key) == {
        ("baseline", "partner-slow"),
        ("event-driven", "partner-slow"),
        ("baseline", "loyalty-stopped"),
        ("event-driven", "provider-slow"),
    }
    assert by_key[("baseline", "partner-slow")].ratio == pytest.approx(15.0)
    assert by_key[("baseline", "partner-slow")].meets_goal is True
    assert by_key[("event-driven", "partner-slow")].meets_goal is True
    assert by_key[("event-driven", "provider-slow")].ratio == pytest.approx(2.0)
    assert by_key[("event-driven", "provider-slow")].meets_goal is False
    assert by_key[("baseline", "loyalty-stopped")].goal is None
    text = by_key[("baseline", "loyalty-stopped")].text()
    assert "0.10x" in text and "errors 100%" in text and "goal" not in text
    assert "goal >= 10: met" in by_key[("baseline", "partner-slow")].text()
    assert "goal <= 1.2: NOT met" in by_key[("event-driven", "provider-slow")].text()


def test_a_ratio_without_figures_is_not_available_rather_than_zero() -> None:
    lines = ratio_lines({("baseline", "healthy"): _summary(None), ("baseline", "partner-slow"): _summary(2.0)})
    orphan = ratio_lines({("event-driven", "partner-slow"): _summary(2.0)})

    assert lines[0].ratio is None and lines[0].meets_goal is None and "n/a" in lines[0].text()
    assert orphan == []
