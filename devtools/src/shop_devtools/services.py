"""The processes of the system: how each is started locally and which environment it gets."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx
from shop_shared.topology import DeployedTopology

from .dev_issuer.settings import DEV_AUDIENCE
from .processes import ManagedProcess

__all__ = [
    "AUDIENCE_VARIABLE",
    "DEV_ISSUER",
    "ISSUER_VARIABLE",
    "LOYALTY_PARTNER",
    "PAYMENT_PROVIDER",
    "SERVICES",
    "SIMULATORS",
    "ProcessEnvironment",
    "ServiceSpec",
    "mask",
    "process_environment",
    "service_env",
    "start_service",
    "tracing_env",
    "wait_until_ready",
]


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    module: str
    env_prefix: str
    default_port: int
    port_variable: str  # lets a user move the port: ORDER_PORT=9000 make up
    # Third parties the service calls: the variable that holds the base URL -> the stand-in's name.
    peers: dict[str, str] = field(default_factory=dict)


# The customer-facing APIs trust the dev issuer: AUTH_ISSUER is its URL (also the `iss` of its tokens); the
# services discover its JWKS from there. The same plain names, no service prefix, in every service.
ISSUER_VARIABLE = "AUTH_ISSUER"
AUDIENCE_VARIABLE = "AUTH_AUDIENCE"
_AUTHENTICATED = {ISSUER_VARIABLE: "dev-issuer"}

SERVICES: dict[str, ServiceSpec] = {
    spec.name: spec
    for spec in (
        ServiceSpec("order", "shop_order", "ORDER_", 8000, "ORDER_PORT", dict(_AUTHENTICATED)),
        ServiceSpec(
            "payment", "shop_payment", "PAYMENT_", 8001, "PAYMENT_PORT", {"PAYMENT_PROVIDER_URL": "payment-provider"}
        ),
        ServiceSpec(
            "loyalty",
            "shop_loyalty",
            "LOYALTY_",
            8002,
            "LOYALTY_PORT",
            {"LOYALTY_PARTNER_URL": "loyalty-partner"} | _AUTHENTICATED,
        ),
        ServiceSpec(
            "notifications", "shop_notifications", "NOTIFICATIONS_", 8003, "NOTIFICATIONS_PORT", dict(_AUTHENTICATED)
        ),
        ServiceSpec("batch-worker", "shop_batch_worker", "BATCH_", 8004, "BATCH_PORT"),
    )
}
# A stand-in for the identity provider (Cognito on AWS): OIDC discovery, a JWKS, and tokens for `make token`.
DEV_ISSUER = ServiceSpec("dev-issuer", "shop_devtools.dev_issuer", "DEV_ISSUER_", 8012, "DEV_ISSUER_PORT")
# A stand-in for the third-party payment provider; not part of the deployed system.
PAYMENT_PROVIDER = ServiceSpec(
    "payment-provider", "shop_devtools.payment_provider_sim", "PROVIDER_SIM_", 8010, "PROVIDER_SIM_PORT"
)
# A stand-in for the third-party loyalty partner (rewards/CRM API) that loyalty tells about every credit.
LOYALTY_PARTNER = ServiceSpec(
    "loyalty-partner", "shop_devtools.loyalty_partner_sim", "PARTNER_SIM_", 8011, "PARTNER_SIM_PORT"
)
# The third parties' stand-ins (the identity provider's too), started before the services that call them.
SIMULATORS: dict[str, ServiceSpec] = {spec.name: spec for spec in (DEV_ISSUER, PAYMENT_PROVIDER, LOYALTY_PARTNER)}


# A stop waits out the SQS long poll under way (see shop_shared.messaging.sqs_consumer). Locally empty
# receives cost nothing, so a short poll keeps Ctrl-C and test teardown quick; AWS keeps the 20 s default.
LOCAL_SQS_WAIT_SECONDS = 5


# Spans of the local runtime: OTLP JSON lines, one file per process, read by `make trace`. Exported every half
# second, so an order's trace is complete on disk about a second after the order settled.
LOCAL_SPAN_EXPORT_DELAY_MS = 500


def tracing_env(traces_file: Path) -> dict[str, str]:
    """Defaults of the local runtime; a caller's own OTEL_* variables win (e.g. OTLP to a Jaeger of theirs)."""
    return {
        "OTEL_TRACES_EXPORTER": "file",
        "TRACES_FILE": str(traces_file),
        "OTEL_BSP_SCHEDULE_DELAY": str(LOCAL_SPAN_EXPORT_DELAY_MS),
    }


def configured_port(spec: ServiceSpec) -> int:
    return int(os.environ.get(spec.port_variable, spec.default_port))


# Names whose values are never printed: `make up` shows the knobs it passes on, but not these values.
SECRET_MARKERS = ("SECRET", "TOKEN", "PASSWORD", "KEY", "CREDENTIAL")


@dataclass(frozen=True)
class ProcessEnvironment:
    """A process's environment and where its settings came from, for the start-up report."""

    env: dict[str, str]
    passed: dict[str, str] = field(default_factory=dict)  # the caller's prefixed variables given on as they were
    overridden: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (caller's value, computed one)

    def report(self) -> list[str]:
        """What to print before the process starts; secret-looking values are masked."""
        lines = []
        if self.passed:
            knobs = ", ".join(f"{name}={mask(name, value)}" for name, value in sorted(self.passed.items()))
            lines.append(f"from your environment: {knobs}")
        for name, (theirs, ours) in sorted(self.overridden.items()):
            lines.append(
                f"{name}={mask(name, theirs)} from your environment is overridden by {mask(name, ours)} "
                "(ports, endpoints and provisioned resources are set by the runtime)"
            )
        return lines


def mask(name: str, value: str) -> str:
    return "***" if any(marker in name.upper() for marker in SECRET_MARKERS) else value


def process_environment(
    spec: ServiceSpec,
    port: int,
    aws_env: dict[str, str],
    deployed: DeployedTopology | None,
    ports: dict[str, int],
    extra: dict[str, str] | None = None,
    *,
    caller_env: Mapping[str, str] | None = None,
    traces_file: Path | None = None,
) -> ProcessEnvironment:
    """Everything a process is given: AWS endpoints, its resources, its port, its peers.

    With `caller_env` (`make up` / `make start` pass their own environment), every variable with the
    process's settings prefix (`spec.env_prefix`) is passed on, so the documented knobs work outside the
    tests; only ports, endpoints and provisioned resources are computed here and win over the caller.
    Without it the environment is built from scratch (the tests' processes stay hermetic).
    With `traces_file` the process writes its spans there, unless the caller's OTEL_* variables say otherwise.
    """
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    env.update(aws_env)
    env["PYTHONUNBUFFERED"] = "1"
    # A default of the local runtime, not an endpoint: the caller may change it like any knob.
    env[f"{spec.env_prefix}SQS_WAIT_SECONDS"] = str(LOCAL_SQS_WAIT_SECONDS)  # read by the services that poll SQS
    if traces_file is not None:
        env.update(tracing_env(traces_file))
    passed = {
        name: value
        for name, value in (caller_env or {}).items()
        if name.startswith(spec.env_prefix) or name.startswith("OTEL_")
    }
    env.update(passed)
    computed: dict[str, str] = {}
    if deployed is not None and spec.name in deployed.topology.services:
        computed.update(deployed.service_environment(spec.name))
    computed[f"{spec.env_prefix}HOST"] = "127.0.0.1"
    computed[f"{spec.env_prefix}PORT"] = str(port)
    for variable, peer in spec.peers.items():
        computed[variable] = f"http://127.0.0.1:{ports[peer]}"
    if ISSUER_VARIABLE in spec.peers:
        computed[AUDIENCE_VARIABLE] = DEV_AUDIENCE
    overridden = {name: (passed[name], value) for name, value in computed.items() if passed.get(name, value) != value}
    env.update(computed)
    env.update(extra or {})
    knobs = {name: value for name, value in passed.items() if name not in computed}
    return ProcessEnvironment(env=env, passed=knobs, overridden=overridden)


def service_env(
    spec: ServiceSpec,
    port: int,
    aws_env: dict[str, str],
    deployed: DeployedTopology | None,
    ports: dict[str, int],
    extra: dict[str, str] | None = None,
    *,
    traces_file: Path | None = None,
) -> dict[str, str]:
    """The hermetic environment of a process (tests, benchmarks): nothing from the caller's shell."""
    return process_environment(spec, port, aws_env, deployed, ports, extra, traces_file=traces_file).env


def start_service(
    spec: ServiceSpec, env: dict[str, str], *, log_file: Path | None = None, echo: IO[str] | None = None
) -> ManagedProcess:
    return ManagedProcess(spec.name, [sys.executable, "-m", spec.module], env=env, log_file=log_file, echo=echo)


def wait_until_ready(process: ManagedProcess, port: int, timeout: float = 30.0) -> None:
    """Wait for `GET /health` to answer 200 on the service's port."""
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{port}/health"
    while time.monotonic() < deadline:
        if not process.running():
            raise RuntimeError(f"{process.label} exited with {process.process.returncode} while starting")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{process.label} not healthy on port {port} after {timeout:.0f} s")
