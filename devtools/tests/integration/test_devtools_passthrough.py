"""`make up` / `make start` pass the caller's knobs on: a real process, started the way they start it, obeys one."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
import pytest
from shop_devtools.runtime import free_port
from shop_devtools.services import LOYALTY_PARTNER, wait_until_ready
from shop_devtools.supervisor import start_configured

pytestmark = pytest.mark.integration

CREDIT = {"customer_id": "c-1", "order_id": "o-1", "points": 10}


def gone(pid: int, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize(("error_rate", "expected_status"), [("1", 500), ("0", 201)])
def test_a_knob_in_the_callers_environment_reaches_the_running_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], error_rate: str, expected_status: int
) -> None:
    # By default the partner answers every credit; PARTNER_SIM_ERROR_RATE=1 from the caller must make it fail all.
    port = free_port()
    caller_env = {
        "PARTNER_SIM_ERROR_RATE": error_rate,
        "PARTNER_SIM_LATENCY_MS": "0",
        "PARTNER_SIM_API_TOKEN": "do-not-print-me",  # any prefixed name passes; secret-looking ones are masked
        "PARTNER_SIM_PORT": "1",  # the computed port wins, and says so
        "ORDER_MAX_BODY_BYTES": "1",  # another process's knob: not this one's business
    }
    ports = {LOYALTY_PARTNER.name: port}

    process, knobs = start_configured(LOYALTY_PARTNER, ports, {}, None, caller_env=caller_env, log_dir=tmp_path)
    try:
        wait_until_ready(process, port, timeout=30)
        answer = httpx.post(f"http://127.0.0.1:{port}/v1/credits", json=CREDIT, timeout=5)
        stats = httpx.get(f"http://127.0.0.1:{port}/sim/stats", timeout=5).json()
    finally:
        process.stop(timeout=5)

    assert answer.status_code == expected_status
    assert stats["errors"] == (1 if expected_status == 500 else 0)
    assert knobs == {
        "PARTNER_SIM_ERROR_RATE": error_rate,
        "PARTNER_SIM_LATENCY_MS": "0",
        "PARTNER_SIM_API_TOKEN": "***",
    }
    printed = capsys.readouterr().out
    assert "loyalty-partner: from your environment: PARTNER_SIM_API_TOKEN=***" in printed
    assert f"PARTNER_SIM_PORT=1 from your environment is overridden by {port}" in printed
    assert "do-not-print-me" not in printed and "ORDER_MAX_BODY_BYTES" not in printed
    assert not process.running() and gone(process.pid)
