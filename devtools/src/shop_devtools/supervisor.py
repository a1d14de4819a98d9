"""`make up`: the whole system in the foreground, logs interleaved and labelled; Ctrl-C stops it all.

Order of start: emulators -> provisioning -> third-party stand-ins (payment provider, loyalty partner) -> the
five services.
Order of stop: the services and stand-ins side by side (each may wait out a long poll), then the emulators; each
process group by PID, SIGTERM then SIGKILL after a grace period.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from pathlib import Path

import boto3
from shop_shared.topology import load_topology

from .emulators import EmulatorEndpoints
from .paths import LOCAL_DIR, RUN_DIR
from .processes import ManagedProcess, stop_all
from .provisioning import provision
from .runtime import LocalAws, configured_endpoints, start_local_aws
from .services import SERVICES, SIMULATORS, configured_port, service_env, start_service, wait_until_ready

__all__ = ["LOCAL_PREFIX", "READY_FILE", "SUPERVISOR_STATE", "run_system"]

LOCAL_PREFIX = "shop-"
READY_FILE = RUN_DIR / "ready.json"
SUPERVISOR_STATE = RUN_DIR / "processes.json"
LOG_DIR = LOCAL_DIR / "logs"


def run_system() -> int:
    """Run until SIGINT/SIGTERM or until a process dies; returns the exit code for the CLI."""
    stop_requested = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop_requested.set())

    endpoints = configured_endpoints()
    if endpoints.healthy():
        print(f"an AWS emulator already answers on {endpoints.localstack_url}: run `make stop` first", file=sys.stderr)
        return 1
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    READY_FILE.unlink(missing_ok=True)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    started: list[ManagedProcess] = []
    runtime: LocalAws | None = None
    try:
        runtime = start_local_aws(endpoints, reuse=False, log_dir=LOG_DIR, echo=sys.stdout)
        started.extend(runtime.started)
        _record(started)
        ports = {name: configured_port(spec) for name, spec in {**SERVICES, **SIMULATORS}.items()}
        os.environ.update(runtime.env)
        deployed, report = provision(
            load_topology(),
            LOCAL_PREFIX,
            {name: f"http://127.0.0.1:{port}" for name, port in ports.items()},
            session=boto3.Session(),
        )
        _say(f"provisioned the topology: {len(report.created)} created, {len(report.unchanged)} unchanged")
        for spec in (*SIMULATORS.values(), *SERVICES.values()):
            if stop_requested.is_set():
                return 130
            env = service_env(spec, ports[spec.name], runtime.env, deployed, ports)
            process = start_service(spec, env, log_file=LOG_DIR / f"{spec.name}.log", echo=sys.stdout)
            started.append(process)
            _record(started)
            wait_until_ready(process, ports[spec.name])
        READY_FILE.write_text(json.dumps({"ports": ports, "endpoints": _endpoint_urls(endpoints)}))
        _banner(ports, endpoints)
        while not stop_requested.wait(0.5):
            dead = [process.label for process in started if not process.running()]
            if dead:
                _say(f"stopping: {', '.join(dead)} exited")
                return 1
        return 0
    except Exception as error:
        _say(f"failed to start: {error}")
        return 1
    finally:
        _say("stopping everything...")
        # The services first, side by side (their drain still talks to the emulators), then the emulators.
        emulators = set(runtime.started) if runtime is not None else set()
        for group in ([p for p in started if p not in emulators], [p for p in started if p in emulators]):
            for label, (code, seconds) in stop_all(group).items():
                _say(f"{label} stopped (exit {code}) in {seconds:.1f} s")
        READY_FILE.unlink(missing_ok=True)
        SUPERVISOR_STATE.unlink(missing_ok=True)
        _say("stopped")


def _record(started: list[ManagedProcess]) -> None:
    """Keep the children's PIDs on disk so `make stop` can clean up even after a crash of this process."""
    SUPERVISOR_STATE.write_text(json.dumps({"supervisor": os.getpid(), "children": [p.pid for p in started]}))


def _endpoint_urls(endpoints: EmulatorEndpoints) -> dict[str, str]:
    return {"localstack": endpoints.localstack_url, "dynamodb": endpoints.dynamodb_url}


def _say(message: str) -> None:
    print(f"{'supervisor':<14}| {message}", flush=True)


def _banner(ports: dict[str, int], endpoints: EmulatorEndpoints) -> None:
    lines = [
        "the shop is up:",
        f"  order API        http://127.0.0.1:{ports['order']}  (docs: /docs)",
        f"  payment          http://127.0.0.1:{ports['payment']}",
        f"  loyalty          http://127.0.0.1:{ports['loyalty']}/customers/<id>/loyalty",
        f"  notifications    http://127.0.0.1:{ports['notifications']}/customers/<id>/notifications",
        f"  batch-worker     http://127.0.0.1:{ports['batch-worker']}/health   (run `make batch`)",
        f"  loyalty partner  http://127.0.0.1:{ports['loyalty-partner']}/v1/credits?customer_id=<id>  (simulated)",
        f"  LocalStack       {endpoints.localstack_url}   DynamoDB (moto) {endpoints.dynamodb_url}",
        "Ctrl-C stops everything.",
    ]
    for line in lines:
        _say(line)


def read_ready() -> dict[str, object] | None:
    try:
        data: dict[str, object] = json.loads(Path(READY_FILE).read_text())
        return data
    except (FileNotFoundError, json.JSONDecodeError):
        return None
