"""`make start` / `make stop`: the same system as `make up`, in the background."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from .processes import stop_process_group
from .supervisor import LOG_DIR, READY_FILE, RUN_STATE_DIR, SUPERVISOR_STATE, read_ready

__all__ = ["start_detached", "stop_detached"]

SUPERVISOR_PID = RUN_STATE_DIR / "supervisor.pid"
SUPERVISOR_LOG = LOG_DIR / "supervisor.log"


def start_detached(timeout: float = 300.0) -> int:
    """Start the supervisor in its own session; return once everything is provisioned and healthy."""
    if _alive(_read_pid()):
        print("already running (make stop first)", file=sys.stderr)
        return 1
    RUN_STATE_DIR.mkdir(parents=True, exist_ok=True)
    SUPERVISOR_LOG.parent.mkdir(parents=True, exist_ok=True)
    READY_FILE.unlink(missing_ok=True)
    with SUPERVISOR_LOG.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "shop_devtools", "up"],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    SUPERVISOR_PID.write_text(str(process.pid))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready = read_ready()
        if ready is not None:
            print(f"the shop is up; logs in {SUPERVISOR_LOG.parent}; ports: {json.dumps(ready['ports'])}")
            # The knobs passed through from this shell (masked), so a typo in a variable name shows at once.
            settings: dict[str, dict[str, str]] = ready.get("settings", {})  # type: ignore[assignment]
            for service, knobs in settings.items():
                print(f"  {service}: " + ", ".join(f"{name}={value}" for name, value in knobs.items()))
            return 0
        if process.poll() is not None:
            print(SUPERVISOR_LOG.read_text()[-4000:], file=sys.stderr)
            print("the system failed to start (log above)", file=sys.stderr)
            SUPERVISOR_PID.unlink(missing_ok=True)
            return 1
        time.sleep(0.5)
    print(f"not healthy after {timeout:.0f} s; stopping", file=sys.stderr)
    stop_detached()
    return 1


def stop_detached(timeout: float = 60.0) -> int:
    """Stop the supervisor (which stops its children), then any child left behind, by PID."""
    pid = _read_pid()
    children: list[int] = []
    try:
        children = json.loads(SUPERVISOR_STATE.read_text()).get("children", [])
    except (FileNotFoundError, json.JSONDecodeError):
        pass
    if pid is None and not children:
        print("not running")
        return 0
    if pid is not None:
        stop_process_group(pid, timeout)
    for child in children:
        stop_process_group(child, 5.0)
    for path in (SUPERVISOR_PID, SUPERVISOR_STATE, READY_FILE):
        path.unlink(missing_ok=True)
    print("stopped")
    return 0


def _read_pid() -> int | None:
    try:
        return int(SUPERVISOR_PID.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def _alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
