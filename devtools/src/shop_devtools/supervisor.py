"""`make up`: the whole system in the foreground, logs interleaved and labelled; Ctrl-C stops it all.

Order of start: emulators -> provisioning -> stand-ins (the dev OIDC issuer, payment provider, loyalty partner) ->
the five services (order, loyalty and notifications trust the dev issuer: AUTH_ISSUER, AUTH_AUDIENCE).
Environment: each process gets the caller's variables with its settings prefix (ORDER_, PROVIDER_SIM_, ...: the
documented knobs), printed with secret-looking values masked; ports, endpoints and provisioned resources are computed
and win over the caller's, with a line saying so.
Order of stop: the services and stand-ins side by side (each may wait out a long poll), then the emulators; each
process group by PID, SIGTERM then SIGKILL after a grace period.
One process at a time (`python -m shop_devtools process restart|stop|kill|start <name>`, `make restart`): the
request arrives through .local/run/control/ (control.py); the others keep running. A process that exits without
such a request is a crash: the supervisor then stops everything and exits 1, so a crash is never hidden behind a
restart.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import IO

import boto3
from shop_shared.topology import DeployedTopology, load_topology

from .control import ControlInbox, control_dir, perform, run_dir, traces_dir
from .emulators import EmulatorEndpoints
from .paths import LOCAL_DIR, RUN_DIR
from .processes import ManagedProcess, ProcessSlot, stop_all
from .provisioning import provision
from .runtime import LocalAws, configured_endpoints, start_local_aws
from .services import (
    SERVICES,
    SIMULATORS,
    ServiceSpec,
    configured_port,
    mask,
    process_environment,
    start_service,
    wait_until_ready,
)

__all__ = ["LOCAL_PREFIX", "READY_FILE", "SUPERVISOR_STATE", "TRACES_DIR", "run_system", "start_configured"]

LOCAL_PREFIX = "shop-"
# SHOP_RUN_DIR moves the run state and the logs (a test runs a supervisor of its own beside `make start`).
RUN_STATE_DIR = run_dir()
READY_FILE = RUN_STATE_DIR / "ready.json"
SUPERVISOR_STATE = RUN_STATE_DIR / "processes.json"
LOG_DIR = LOCAL_DIR / "logs" if RUN_STATE_DIR == RUN_DIR else RUN_STATE_DIR / "logs"
# Each service's spans (OTLP JSON lines), read by `make trace`; a new run starts them afresh, like the emulators.
TRACES_DIR = traces_dir()
READY_TIMEOUT = 60.0


def traces_file_of(name: str) -> Path | None:
    """Where a process of `make up` writes its spans: the services trace, the stand-ins do not."""
    return TRACES_DIR / f"{name}.jsonl" if name in SERVICES else None


def run_system() -> int:
    """Run until SIGINT/SIGTERM or until a process dies; returns the exit code for the CLI."""
    stop_requested = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop_requested.set())

    endpoints = configured_endpoints()
    if endpoints.healthy():
        print(f"an AWS emulator already answers on {endpoints.localstack_url}: run `make stop` first", file=sys.stderr)
        return 1
    RUN_STATE_DIR.mkdir(parents=True, exist_ok=True)
    READY_FILE.unlink(missing_ok=True)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    TRACES_DIR.mkdir(parents=True, exist_ok=True)
    for old in TRACES_DIR.glob("*.jsonl"):  # the last run's spans name orders this run's emulators never saw
        old.unlink()
    inbox = ControlInbox(control_dir())
    started: list[ManagedProcess] = []  # the emulators
    slots: dict[str, ProcessSlot] = {}  # the stand-ins and the services, each restartable on request
    runtime: LocalAws | None = None
    try:
        runtime = start_local_aws(endpoints, reuse=False, log_dir=LOG_DIR, echo=sys.stdout)
        started.extend(runtime.started)
        _record(started, slots)
        ports = {name: configured_port(spec) for name, spec in {**SERVICES, **SIMULATORS}.items()}
        os.environ.update(runtime.env)
        deployed, report = provision(
            load_topology(),
            LOCAL_PREFIX,
            {name: f"http://127.0.0.1:{port}" for name, port in ports.items()},
            session=boto3.Session(),
        )
        _say(f"provisioned the topology: {len(report.created)} created, {len(report.unchanged)} unchanged")
        knobs: dict[str, dict[str, str]] = {}
        for spec in (*SIMULATORS.values(), *SERVICES.values()):
            if stop_requested.is_set():
                return 130
            slots[spec.name] = _slot(spec, ports, runtime.env, deployed, knobs)
            _record(started, slots)
            slots[spec.name].start()
            _record(started, slots)
        settings = {name: passed for name, passed in knobs.items() if passed}
        READY_FILE.write_text(
            json.dumps({"ports": ports, "endpoints": _endpoint_urls(endpoints), "settings": settings})
        )
        _banner(ports, endpoints, settings)
        while not stop_requested.wait(0.5):
            for request_id, request in inbox.take():
                ok, message = perform(request, slots) if request else (False, "unreadable request")
                _say(message)
                inbox.answer(request_id, ok, message)
                _record(started, slots)
            dead = [p.label for p in started if not p.running()] + [n for n, s in slots.items() if s.crashed()]
            if dead:
                _say(f"stopping: {', '.join(dead)} exited without a request (a crash)")
                return 1
        return 0
    except Exception as error:
        _say(f"failed to start: {error}")
        return 1
    finally:
        _say("stopping everything...")
        # The services first, side by side (their drain still talks to the emulators), then the emulators.
        services = [slot.process for slot in slots.values() if slot.process is not None]
        for group in (services, started):
            for label, (code, seconds) in stop_all(group).items():
                _say(f"{label} stopped (exit {code}) in {seconds:.1f} s")
        READY_FILE.unlink(missing_ok=True)
        SUPERVISOR_STATE.unlink(missing_ok=True)
        _say("stopped")


def start_configured(
    spec: ServiceSpec,
    ports: dict[str, int],
    aws_env: dict[str, str],
    deployed: DeployedTopology | None,
    *,
    caller_env: Mapping[str, str],
    log_dir: Path,
    echo: IO[str] | None = None,
) -> tuple[ManagedProcess, dict[str, str]]:
    """Start one process as `make up` does: the caller's knobs with its prefix passed on, reported masked.

    Returns the process and the knobs it was given (secret-looking values masked).
    """
    built = process_environment(
        spec, ports[spec.name], aws_env, deployed, ports, caller_env=caller_env, traces_file=traces_file_of(spec.name)
    )
    for line in built.report():
        _say(f"{spec.name}: {line}")
    process = start_service(spec, built.env, log_file=log_dir / f"{spec.name}.log", echo=echo)
    return process, {name: mask(name, value) for name, value in built.passed.items()}


def _slot(
    spec: ServiceSpec,
    ports: dict[str, int],
    aws_env: dict[str, str],
    deployed: DeployedTopology,
    knobs: dict[str, dict[str, str]],
) -> ProcessSlot:
    """A process `make up` starts, and starts again the same way when asked to (`make restart`)."""

    def launch() -> ManagedProcess:
        process, knobs[spec.name] = start_configured(
            spec, ports, aws_env, deployed, caller_env=os.environ, log_dir=LOG_DIR, echo=sys.stdout
        )
        return process

    return ProcessSlot(spec.name, launch, lambda process: wait_until_ready(process, ports[spec.name], READY_TIMEOUT))


def _record(started: list[ManagedProcess], slots: dict[str, ProcessSlot]) -> None:
    """Keep the children's PIDs on disk so `make stop` can clean up even after a crash of this process."""
    children = [p.pid for p in started] + [s.process.pid for s in slots.values() if s.process is not None]
    running = {name: slot.process.pid for name, slot in slots.items() if slot.process is not None and slot.running()}
    state = {"supervisor": os.getpid(), "children": children, "running": running}
    partial = SUPERVISOR_STATE.with_name(f".{SUPERVISOR_STATE.name}.partial")
    partial.write_text(json.dumps(state))
    partial.replace(SUPERVISOR_STATE)  # `make stop` and `make restart` never read half a file


def _endpoint_urls(endpoints: EmulatorEndpoints) -> dict[str, str]:
    return {"localstack": endpoints.localstack_url, "dynamodb": endpoints.dynamodb_url}


def _say(message: str) -> None:
    print(f"{'supervisor':<14}| {message}", flush=True)


def _banner(ports: dict[str, int], endpoints: EmulatorEndpoints, settings: dict[str, dict[str, str]]) -> None:
    lines = [
        "the shop is up:",
        f"  order API        http://127.0.0.1:{ports['order']}  (docs: /docs)",
        f"  payment          http://127.0.0.1:{ports['payment']}",
        f"  loyalty          http://127.0.0.1:{ports['loyalty']}/customers/<id>/loyalty",
        f"  notifications    http://127.0.0.1:{ports['notifications']}/customers/<id>/notifications",
        f"  batch-worker     http://127.0.0.1:{ports['batch-worker']}/health   (run `make batch`)",
        f"  loyalty partner  http://127.0.0.1:{ports['loyalty-partner']}/v1/credits?customer_id=<id>  (simulated)",
        f"  dev issuer       http://127.0.0.1:{ports['dev-issuer']}/.well-known/openid-configuration  "
        "(TOKEN=$(make -s token CUSTOMER=<id>); keys new at every start)",
        f"  LocalStack       {endpoints.localstack_url}   DynamoDB (moto) {endpoints.dynamodb_url}",
    ]
    for name, passed in settings.items():
        knobs = ", ".join(f"{variable}={value}" for variable, value in sorted(passed.items()))
        lines.append(f"  {name + ':':<18}{knobs}  (from your environment)")
    lines.append("`make restart SERVICE=<name> SIGNAL=KILL|TERM` restarts one process; Ctrl-C stops everything.")
    for line in lines:
        _say(line)


def read_ready() -> dict[str, object] | None:
    try:
        data: dict[str, object] = json.loads(Path(READY_FILE).read_text())
        return data
    except (FileNotFoundError, json.JSONDecodeError):
        return None
