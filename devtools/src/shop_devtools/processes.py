"""Child processes that the local runtime starts, labels and stops by PID (their own process group)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO

__all__ = ["SIGNALS", "ManagedProcess", "ProcessSlot", "stop_all", "stop_process_group"]

# The signals a process may be stopped with on request: TERM is ECS's graceful stop, KILL is `kill -9` (an OOM kill).
SIGNALS = {"TERM": signal.SIGTERM, "KILL": signal.SIGKILL}
TERM_GRACE_SECONDS = 30.0  # ECS's stopTimeout: the services drain within 25 s (their *_SHUTDOWN_GRACE_SECONDS)


class ManagedProcess:
    """A child in its own session, so a terminal's Ctrl-C reaches only the supervisor, which stops
    the children in order, and so stopping a child stops everything it spawned."""

    def __init__(
        self,
        label: str,
        command: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: Path | None = None,
        log_file: Path | None = None,
        echo: IO[str] | None = None,
        stop_timeout: float = 10.0,
    ) -> None:
        self.label = label
        self.stop_timeout = stop_timeout
        self.log_path = log_file
        self._log_file = log_file.open("a", encoding="utf-8") if log_file else None
        self._echo = echo
        self.process = subprocess.Popen(
            list(command),
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            text=True,
            bufsize=1,
        )
        self._pump = threading.Thread(target=self._copy_output, name=f"log-{label}", daemon=True)
        self._pump.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float | None = None, *, first_signal: signal.Signals = signal.SIGTERM) -> int | None:
        """Send `first_signal` (SIGTERM) to the process group, then SIGKILL what is left after `timeout` (default
        `stop_timeout`) seconds; with SIGKILL first, nothing is given a chance to clean up (kill -9)."""
        grace = self.stop_timeout if timeout is None else timeout
        try:
            os.killpg(self.pid, first_signal)
            self.process.wait(grace)  # reaped by Popen, so the exit code (-9 after a kill) is known
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        stop_process_group(
            self.pid, 2.0, first_signal=first_signal
        )  # the leader if it is still there, and its children
        self._pump.join(timeout=2)
        if self._log_file:
            self._log_file.close()
        return self.process.poll()

    def _copy_output(self) -> None:
        assert self.process.stdout is not None
        prefix = f"{self.label:<14}| "
        for line in self.process.stdout:
            if self._log_file:
                self._log_file.write(line)
                self._log_file.flush()
            if self._echo:
                self._echo.write(prefix + line)
                self._echo.flush()


class ProcessSlot:
    """One named process that can be stopped, killed or restarted while the others run, as ECS replaces one task.

    `launch` starts a new process; `wait_ready` returns once it is healthy (raises otherwise). A process stopped
    on request is `held`: it is not a crash, and it stays stopped until `start`.
    """

    def __init__(
        self, name: str, launch: Callable[[], ManagedProcess], wait_ready: Callable[[ManagedProcess], None]
    ) -> None:
        self.name = name
        self._launch = launch
        self._wait_ready = wait_ready
        self.process: ManagedProcess | None = None
        self.held = False

    def running(self) -> bool:
        return self.process is not None and self.process.running()

    def crashed(self) -> bool:
        """Exited without anybody asking it to."""
        return not self.held and self.process is not None and not self.process.running()

    def start(self) -> ManagedProcess:
        """Start it (unless it runs) and wait until it is healthy; a start that fails leaves it stopped (held)."""
        if self.process is not None and self.process.running():
            self.held = False
            return self.process
        self.held = True  # not a crash while it starts; a failed start stays stopped
        process = self._launch()
        self.process = process
        try:
            self._wait_ready(process)
        except BaseException:
            process.stop()
            raise
        self.held = False
        return process

    def stop(self, signal_name: str = "TERM") -> int | None:
        """Stop it with SIGTERM (graceful: SIGKILL only after ECS's 30 s stopTimeout) or SIGKILL; returns its
        exit code (-9 when it had to be killed)."""
        self.held = True  # first, so a watcher never takes the requested exit for a crash
        if self.process is None:
            return None
        return self.process.stop(TERM_GRACE_SECONDS, first_signal=SIGNALS[signal_name])

    def restart(self, signal_name: str = "TERM") -> ManagedProcess:
        self.stop(signal_name)
        return self.start()


def stop_all(processes: Sequence[ManagedProcess]) -> dict[str, tuple[int | None, float]]:
    """Stop processes side by side (each may wait out a long poll); returns label -> (exit code, seconds)."""

    def stop(process: ManagedProcess) -> tuple[int | None, float]:
        began = time.monotonic()
        code = process.stop()
        return code, time.monotonic() - began

    with ThreadPoolExecutor(max_workers=max(1, len(processes))) as pool:
        results = list(pool.map(stop, processes))
    return {process.label: result for process, result in zip(processes, results, strict=True)}


def stop_process_group(pid: int, timeout: float = 10.0, *, first_signal: signal.Signals = signal.SIGTERM) -> None:
    """Stop the process group led by `pid` (started with start_new_session) and reap the leader."""
    try:
        os.killpg(pid, first_signal)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _group_alive(pid):
            return
        time.sleep(0.1)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    for _ in range(50):
        if not _group_alive(pid):
            return
        time.sleep(0.1)
    print(f"process group {pid} survived SIGKILL", file=sys.stderr)


def _group_alive(pgid: int) -> bool:
    try:
        # Reap the leader if it is our child; a zombie would otherwise count as alive.
        os.waitpid(pgid, os.WNOHANG)
    except ChildProcessError:
        pass
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
