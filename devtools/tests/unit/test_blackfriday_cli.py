"""The options of `make bench-blackfriday`: a default run within 15 minutes, --quick shorter still."""

from __future__ import annotations

from shop_devtools.benchmarks.blackfriday.cli import parse_args


def _planned_load_seconds(argv: list[str]) -> float:
    args = parse_args(argv)
    conditions = 4 * 2 * args.phase_seconds
    spike = 2 * (args.spike_before + args.spike_seconds + args.spike_after)
    total: float = 2 * args.warmup_seconds + conditions + spike
    return total


def test_the_default_run_leaves_room_for_setup_settling_and_tails_within_15_minutes() -> None:
    args = parse_args([])

    assert (args.rate, args.spike_factor, args.spike_seconds) == (4.0, 5.0, 60.0)
    assert _planned_load_seconds([]) <= 6 * 60


def test_quick_shortens_phases_and_timeouts_but_keeps_explicit_rates() -> None:
    args = parse_args(["--quick", "--rate", "3"])

    assert args.rate == 3.0
    assert args.phase_seconds < parse_args([]).phase_seconds
    assert args.request_timeout <= 10 and args.settle_timeout <= 30
    assert _planned_load_seconds(["--quick"]) <= 2 * 60
