"""Starts (or reuses) the embedded local AWS runtime: LocalStack and moto's DynamoDB server."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from .emulators import EmulatorEndpoints, aws_environment, start_localstack, start_moto, wait_until_healthy
from .paths import LOCAL_DIR
from .processes import ManagedProcess

__all__ = ["LocalAws", "configured_endpoints", "free_port", "reuse_or_start_local_aws", "start_local_aws"]


@dataclass
class LocalAws:
    endpoints: EmulatorEndpoints
    started: list[ManagedProcess] = field(default_factory=list)  # empty when an existing runtime was reused

    @property
    def env(self) -> dict[str, str]:
        return aws_environment(self.endpoints)

    def stop(self) -> None:
        for process in reversed(self.started):
            process.stop()
        self.started.clear()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        # Like the servers themselves: connections in TIME_WAIT do not make a port busy, a listener does.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def configured_endpoints() -> EmulatorEndpoints:
    return EmulatorEndpoints(
        localstack_port=int(os.environ.get("LOCALSTACK_PORT", "4566")),
        dynamodb_port=int(os.environ.get("DYNAMODB_PORT", "4567")),
    )


def start_local_aws(
    endpoints: EmulatorEndpoints,
    *,
    reuse: bool = True,
    data_dir: Path | None = None,
    log_dir: Path | None = None,
    echo: IO[str] | None = None,
) -> LocalAws:
    """Reuse healthy emulators on `endpoints`, or start both there and wait until they are healthy."""
    if reuse and endpoints.healthy():
        return LocalAws(endpoints)
    for port in (endpoints.localstack_port, endpoints.dynamodb_port):
        if port_in_use(port):
            raise RuntimeError(f"port {port} is taken (an emulator still stopping, or `make start` running?)")
    data_dir = data_dir or LOCAL_DIR / "localstack" / str(endpoints.localstack_port)
    log_dir = log_dir or LOCAL_DIR / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    runtime = LocalAws(endpoints)
    try:
        runtime.started.append(
            start_localstack(endpoints.localstack_port, data_dir, log_file=log_dir / "localstack.log", echo=echo)
        )
        runtime.started.append(start_moto(endpoints.dynamodb_port, log_file=log_dir / "dynamodb.log", echo=echo))
        wait_until_healthy(endpoints, runtime.started)
    except BaseException:
        runtime.stop()
        raise
    return runtime


def reuse_or_start_local_aws(*, data_dir: Path, log_dir: Path) -> LocalAws:
    """The runtime of `make start` when it answers (nothing to stop later), else both emulators on free ports."""
    endpoints = configured_endpoints()
    if not endpoints.healthy():
        endpoints = EmulatorEndpoints(localstack_port=free_port(), dynamodb_port=free_port())
    return start_local_aws(endpoints, data_dir=data_dir, log_dir=log_dir)
