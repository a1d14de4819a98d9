"""The tier run beside its raw scan + write + publish: the rate, the ratio and its goal, and the options."""

from __future__ import annotations

from shop_devtools.benchmarks.efficiency.tier_raw import GOAL, RawPass, format_raw_pass
from shop_devtools.benchmarks.tier_run import parse_args


def test_the_raw_rate_is_customers_over_seconds() -> None:
    assert RawPass(customers=1_000, changes=250, seconds=4.0).rate == 250
    assert RawPass().rate == 0.0


def test_the_run_is_shown_as_a_share_of_the_raw_rate_with_the_goal() -> None:
    raw = RawPass(customers=1_000, changes=250, seconds=2.0, cpu_seconds={"moto": 1.5, "localstack": 0.5})
    meets = format_raw_pass(raw, run_customers=1_000, run_seconds=2.5)  # 400/s of 500/s = 80 %
    assert "80%" in meets and f">= {GOAL:.0%}: meets the goal" in meets
    misses = format_raw_pass(raw, run_customers=1_000, run_seconds=10.0)  # 20 %
    assert "20%" in misses and "misses the goal" in misses
    assert misses.index("moto 1.5 s (0.75)") < misses.index("localstack 0.5 s (0.25)")


def test_the_raw_pass_runs_unless_skipped() -> None:
    assert parse_args([]).skip_raw is False
    assert parse_args(["--skip-raw"]).skip_raw is True
