"""Percentiles, ratios against the raw baseline and their goals, hop deltas, and the CLI's arguments."""

from __future__ import annotations

import math

import pytest
from shop_devtools.benchmarks.efficiency.cli import parse_args
from shop_devtools.benchmarks.efficiency.comparison import Comparison, format_comparisons, format_cpu, percentile
from shop_devtools.benchmarks.efficiency.hop_latency import ACCEPTED_TO_CREDITED, hop_deltas
from shop_devtools.benchmarks.efficiency.whole_flow import cpu_ms_per_order


def test_percentile_is_the_nearest_rank() -> None:
    values = [5.0, 1.0, 4.0, 2.0, 3.0]
    assert percentile(values, 0.5) == 3.0
    assert percentile(values, 0.0) == 1.0
    assert percentile(values, 1.0) == 5.0
    assert percentile(list(range(1, 101)), 0.95) == 95
    assert math.isnan(percentile([], 0.5))
    with pytest.raises(ValueError):
        percentile(values, 50)


def comparison(measured: float, baseline: float, goal: float, kind: str) -> Comparison:
    return Comparison("x", "unit", measured, baseline, goal, kind)  # type: ignore[arg-type]


def test_a_lower_is_better_figure_meets_its_goal_at_or_below_the_ratio() -> None:
    assert comparison(1.3, 1.0, 1.3, "at_most").meets_goal
    assert not comparison(1.31, 1.0, 1.3, "at_most").meets_goal
    assert comparison(2.6, 2.0, 1.3, "at_most").ratio == pytest.approx(1.3)


def test_a_higher_is_better_figure_meets_its_goal_at_or_above_the_ratio() -> None:
    assert comparison(80, 100, 0.8, "at_least").meets_goal
    assert not comparison(79, 100, 0.8, "at_least").meets_goal
    assert comparison(79, 100, 0.8, "at_least").ratio_text == "79%"
    assert comparison(79, 100, 0.8, "at_least").goal_text == ">= 80%"


def test_no_baseline_means_no_ratio_and_no_goal_met() -> None:
    assert math.isnan(comparison(1, 0, 2, "at_most").ratio)
    assert not comparison(1, 0, 2, "at_most").meets_goal


def test_the_table_shows_the_goal_the_verdict_and_each_process_cpu() -> None:
    item = Comparison("order CPU", "ms", 2.0, 1.0, 1.3, "at_most", {"order": 4.0, "localstack": 8.0}, 10.0)
    text = format_comparisons([item])
    assert "2.00x" in text and "<= 1.3x" in text and "misses the goal" in text
    assert text.index("localstack 8.0 s (0.80)") < text.index("order 4.0 s (0.40)")
    assert format_cpu({}, 1.0).startswith("no CPU figures")


def test_each_hop_is_the_time_since_the_stamp_before_it() -> None:
    stamps = {
        "POST sent": 100.0,
        "envelope occurred_at": 100.01,
        "POST answered": 100.2,
        "on SQS (capture SentTimestamp)": 100.05,
        "ledger credited_at": 100.15,
    }
    deltas = hop_deltas(stamps)
    assert deltas["POST sent -> envelope occurred_at"] == pytest.approx(10)
    assert deltas["envelope occurred_at -> on SQS (capture SentTimestamp)"] == pytest.approx(40)
    assert deltas["on SQS (capture SentTimestamp) -> ledger credited_at"] == pytest.approx(100)
    assert deltas["POST answered (after POST sent)"] == pytest.approx(200)
    assert deltas[ACCEPTED_TO_CREDITED] == pytest.approx(140)
    assert not any("visible" in hop for hop in deltas)


def test_without_a_credit_there_is_no_accepted_to_credited_figure() -> None:
    assert ACCEPTED_TO_CREDITED not in hop_deltas({"POST sent": 1.0, "envelope occurred_at": 1.1})


def test_quick_runs_smaller_counts_and_explicit_counts_win() -> None:
    quick, full = parse_args(["--quick"]), parse_args([])
    assert quick.orders < full.orders and quick.drain_messages < full.drain_messages
    assert parse_args(["--quick", "--orders", "999"]).orders == 999


def test_cpu_per_order_counts_every_service_and_the_marginal_one_leaves_out_idle_cpu() -> None:
    cpu = {"order": 6.0, "loyalty": 3.0, "localstack": 50.0}
    assert cpu_ms_per_order(cpu, 1_000, {}, 10.0) == {"order": 6.0, "loyalty": 3.0}
    # loyalty burns 0.1 CPU s/s idle: over 10 s that is 1 s, not the orders'.
    marginal = cpu_ms_per_order(cpu, 1_000, {"loyalty": 0.1}, 10.0)
    assert marginal == {"order": 6.0, "loyalty": pytest.approx(2.0)}
    assert cpu_ms_per_order(cpu, 0, {}, 10.0) == {}
    assert cpu_ms_per_order({"order": 0.5}, 10, {"order": 1.0}, 10.0) == {"order": 0.0}
