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


def test_a_rule_target_dlq_is_not_redriven_to_a_queue(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(monkeypatch, "dlq", "redrive", "order-created-to-payment-target-dlq") == EXIT_FAILED
    assert "rule-target DLQ" in capsys.readouterr().err
