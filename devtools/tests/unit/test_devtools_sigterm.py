"""A SIGTERM to a devtools command unwinds it, so the `finally` that stops what it started runs."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

# The child arms the handler, says it is ready, and waits in a try/finally that leaves a mark.
CHILD = """
import sys, time
from shop_devtools.__main__ import _exit_on_sigterm
_exit_on_sigterm()
try:
    print("ready", flush=True)
    time.sleep(60)
finally:
    open(sys.argv[1], "w").write("stopped what it started")
"""


def test_sigterm_runs_the_finally_blocks_and_exits_143(tmp_path: Path) -> None:
    mark = tmp_path / "mark"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(mark)], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        child.send_signal(signal.SIGTERM)
        assert child.wait(timeout=30) == 128 + signal.SIGTERM
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=10)
    assert mark.read_text() == "stopped what it started"
