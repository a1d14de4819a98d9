"""`python -m shop_devtools process restart|stop|kill|start <name> [--signal TERM|KILL]` (`make restart`).

Stops, kills or restarts one process of the running `make up` / `make start` while the others go on, as ECS
replaces one task. The command and the supervisor talk through files in `.local/run/control/`: the command
writes `<id>.request.json`, the supervisor (which looks every half second) does it and writes
`<id>.answer.json`, which the command prints. Local only: no port, no network.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from .paths import RUN_DIR, TRACES_DIR
from .processes import SIGNALS, ProcessSlot

__all__ = ["ACTIONS", "ControlInbox", "ControlRequest", "control_dir", "main", "perform", "run_dir", "traces_dir"]

ACTIONS = ("restart", "stop", "kill", "start")


def run_dir() -> Path:
    """Where the supervisor keeps its state; SHOP_RUN_DIR moves it (tests run a second supervisor)."""
    return Path(os.environ.get("SHOP_RUN_DIR") or RUN_DIR)


def traces_dir() -> Path:
    """Where the services of `make up`/`make start` write their spans (beside the run state when it is moved)."""
    return TRACES_DIR if run_dir() == RUN_DIR else run_dir() / "traces"


def control_dir() -> Path:
    return run_dir() / "control"


@dataclass(frozen=True)
class ControlRequest:
    action: str
    process: str
    signal: str = "TERM"

    def describe(self) -> str:
        if self.action == "start":
            return f"start {self.process}"
        how = "kill -9" if self.action == "kill" or self.signal == "KILL" else "SIGTERM"
        return f"{self.action} {self.process} ({how})"


def perform(request: ControlRequest, slots: dict[str, ProcessSlot]) -> tuple[bool, str]:
    """Do one request against the supervisor's processes; returns (ok, what happened)."""
    slot = slots.get(request.process)
    if slot is None:
        return False, f"no process {request.process!r}; controllable: {', '.join(slots)}"
    began = time.monotonic()
    try:
        if request.action in ("stop", "kill"):
            code = slot.stop("KILL" if request.action == "kill" else request.signal)
            return True, f"{request.describe()}: stopped (exit {code}) in {time.monotonic() - began:.1f} s"
        if request.action == "restart":
            slot.restart(request.signal)
        else:
            slot.start()
    except Exception as error:  # a start that fails is reported to the caller; the process stays stopped
        return False, f"{request.describe()}: failed: {error}"
    pid = slot.process.pid if slot.process else "?"
    return True, f"{request.describe()}: healthy again as pid {pid} in {time.monotonic() - began:.1f} s"


class ControlInbox:
    """The supervisor's side: requests waiting in the control directory, and their answers."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.json"):  # left by an earlier run
            stale.unlink(missing_ok=True)

    def take(self) -> list[tuple[str, ControlRequest | None]]:
        """The waiting requests (None for one that cannot be read), oldest first; each is removed."""
        taken: list[tuple[str, ControlRequest | None]] = []
        for path in sorted(self.directory.glob("*.request.json"), key=lambda p: p.stat().st_mtime):
            request_id = path.name.removesuffix(".request.json")
            try:
                data = json.loads(path.read_text())
                request: ControlRequest | None = ControlRequest(
                    str(data["action"]), str(data["process"]), str(data.get("signal", "TERM"))
                )
            except (OSError, ValueError, KeyError, TypeError):
                request = None
            path.unlink(missing_ok=True)
            taken.append((request_id, request))
        return taken

    def answer(self, request_id: str, ok: bool, message: str) -> None:
        _write_atomically(self.directory / f"{request_id}.answer.json", {"ok": ok, "message": message})


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="process", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=ACTIONS)
    parser.add_argument(
        "name", help="order, payment, loyalty, notifications, batch-worker, payment-provider, dev-issuer, ..."
    )
    parser.add_argument("--signal", choices=sorted(SIGNALS), default="TERM", help="how to stop it (default TERM)")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for the supervisor")
    args = parser.parse_args(argv)
    if not args.name:
        parser.error("name a process (SERVICE=loyalty)")
    supervisor = _supervisor_pid()
    if supervisor is None:
        print("no `make up` / `make start` is running (start one first)", file=sys.stderr)
        return 1
    request_id = uuid.uuid4().hex
    directory = control_dir()
    directory.mkdir(parents=True, exist_ok=True)
    _write_atomically(
        directory / f"{request_id}.request.json", {"action": args.action, "process": args.name, "signal": args.signal}
    )
    answer_path = directory / f"{request_id}.answer.json"
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        if answer_path.exists():
            answer = json.loads(answer_path.read_text())
            answer_path.unlink(missing_ok=True)
            print(answer["message"], file=sys.stdout if answer["ok"] else sys.stderr)
            return 0 if answer["ok"] else 1
        if not _alive(supervisor):
            print(f"the supervisor (pid {supervisor}) exited before answering", file=sys.stderr)
            return 1
        time.sleep(0.2)
    (directory / f"{request_id}.request.json").unlink(missing_ok=True)
    print(f"no answer from the supervisor within {args.timeout:.0f} s", file=sys.stderr)
    return 1


def _supervisor_pid() -> int | None:
    try:
        pid = int(json.loads((run_dir() / "processes.json").read_text())["supervisor"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return pid if _alive(pid) else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _write_atomically(path: Path, data: dict[str, object]) -> None:
    """Write then rename, so the reader never sees half a file."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(data))
    partial.replace(path)
