"""shopctl's command line without AWS: usage errors and names are told apart from a red status by the exit code."""

from __future__ import annotations

import pytest
from shop_devtools.shopctl.cli import EXIT_FAILED, EXIT_USAGE, main


def run(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setattr("sys.argv", ["shopctl", *args])
    return main()


def test_a_usage_error_exits_64_not_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(monkeypatch, "status", "--no-such-option") == EXIT_USAGE
    assert "No such option: --no-such-option" in capsys.readouterr().err


def test_an_unknown_dlq_fails_before_any_aws_call(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(monkeypatch, "dlq", "redrive", "nothing", "--dry-run") == EXIT_FAILED
    assert "'nothing' is not a dead-letter queue" in capsys.readouterr().err


def test_a_schedule_dlq_takes_no_max(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(monkeypatch, "dlq", "redrive", "loyalty-tiers-monthly-schedule-dlq", "--max", "1") == EXIT_FAILED
    assert "one run per month (no --max)" in capsys.readouterr().err


def test_a_window_that_is_not_one_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(monkeypatch, "events", "replay", "--from", "1h", "--to", "2h") == EXIT_USAGE
    assert "must be before" in capsys.readouterr().err
    assert run(monkeypatch, "events", "replay", "--from", "1h", "--type", "order.shipped") == EXIT_USAGE
    assert "unknown event type(s) ['order.shipped']" in capsys.readouterr().err
    assert run(monkeypatch, "events", "replay", "--from", "yesterday") == EXIT_USAGE
    assert "neither an ISO 8601 time" in capsys.readouterr().err
