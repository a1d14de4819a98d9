"""Processes started by the local runtime are stopped with everything they spawned."""

import os
import sys
import time

from shop_devtools.processes import ManagedProcess


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_stop_ends_the_process_and_its_children(tmp_path) -> None:
    pid_file = tmp_path / "child.pid"
    # A parent that ignores SIGTERM and spawns a grandchild: both must be gone after stop().
    script = (
        "import os, signal, subprocess, sys, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        f"child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
        "print('started', flush=True)\n"
        "time.sleep(60)\n"
    )
    process = ManagedProcess("test", [sys.executable, "-c", script], env=dict(os.environ), log_file=tmp_path / "log")
    deadline = time.monotonic() + 10
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline, "child never started"
        time.sleep(0.05)
    grandchild = int(pid_file.read_text())
    process.stop(timeout=1)
    assert not process.running()
    deadline = time.monotonic() + 5
    while alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(grandchild)
    assert "started" in (tmp_path / "log").read_text()
