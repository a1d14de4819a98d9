"""One process stopped, killed or restarted on request while the others run: ProcessSlot, the control
requests and the supervisor's inbox, on small real processes (no emulators needed)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from shop_devtools.control import ControlInbox, ControlRequest, perform
from shop_devtools.processes import ManagedProcess, ProcessSlot

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


def slot(name: str, tmp_path: Path, command: list[str] = SLEEPER, ready_check: bool = True) -> ProcessSlot:
    def launch() -> ManagedProcess:
        return ManagedProcess(name, command, env=dict(os.environ), log_file=tmp_path / f"{name}.log")

    def wait_ready(process: ManagedProcess) -> None:
        if not ready_check:
            raise TimeoutError(f"{name} not healthy")

    return ProcessSlot(name, launch, wait_ready)


@pytest.fixture
def slots(tmp_path: Path):
    made = {name: slot(name, tmp_path) for name in ("order", "loyalty")}
    for each in made.values():
        each.start()
    yield made
    for each in made.values():
        if each.process is not None:
            each.process.stop(timeout=5)


def test_kill_and_restart_replaces_only_that_process(slots: dict[str, ProcessSlot]) -> None:
    order_pid, loyalty_pid = slots["order"].process.pid, slots["loyalty"].process.pid  # type: ignore[union-attr]
    ok, message = perform(ControlRequest("restart", "loyalty", "KILL"), slots)
    assert ok, message
    assert "restart loyalty (kill -9): healthy again as pid" in message
    assert slots["loyalty"].process.pid != loyalty_pid and slots["loyalty"].running()  # type: ignore[union-attr]
    assert slots["order"].process.pid == order_pid and slots["order"].running()  # type: ignore[union-attr]
    assert not any(each.crashed() for each in slots.values())


def test_a_stopped_process_is_held_not_crashed_until_started(slots: dict[str, ProcessSlot]) -> None:
    ok, message = perform(ControlRequest("kill", "order"), slots)
    assert ok and "stopped (exit -9)" in message, message
    assert not slots["order"].running() and slots["order"].held and not slots["order"].crashed()
    ok, message = perform(ControlRequest("start", "order"), slots)
    assert ok, message
    assert slots["order"].running() and not slots["order"].held


def test_an_exit_nobody_asked_for_is_a_crash(slots: dict[str, ProcessSlot]) -> None:
    process = slots["loyalty"].process
    assert process is not None
    os.killpg(process.pid, 9)
    deadline = time.monotonic() + 10
    while process.running() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert slots["loyalty"].crashed()


def test_a_start_that_never_gets_healthy_fails_and_leaves_it_stopped(tmp_path: Path) -> None:
    broken = slot("payment", tmp_path, ready_check=False)
    ok, message = perform(ControlRequest("start", "payment"), {"payment": broken})
    assert not ok and "payment not healthy" in message
    assert not broken.running() and broken.held and not broken.crashed()


def test_unknown_processes_are_refused(slots: dict[str, ProcessSlot]) -> None:
    ok, message = perform(ControlRequest("kill", "nope"), slots)
    assert not ok and "controllable: order, loyalty" in message


def test_the_inbox_hands_over_requests_once_and_keeps_answers(tmp_path: Path) -> None:
    inbox = ControlInbox(tmp_path / "control")
    (inbox.directory / "a.request.json").write_text('{"action": "restart", "process": "loyalty", "signal": "KILL"}')
    (inbox.directory / "b.request.json").write_text("not json")
    taken = dict(inbox.take())
    assert taken == {"a": ControlRequest("restart", "loyalty", "KILL"), "b": None}
    assert inbox.take() == []
    inbox.answer("a", True, "done")
    assert (inbox.directory / "a.answer.json").read_text() == '{"ok": true, "message": "done"}'
