"""The processes of the system: how each is started locally and which environment it gets."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx
from shop_shared.topology import DeployedTopology

from .processes import ManagedProcess

__all__ = [
    "LOYALTY_PARTNER",
    "PAYMENT_PROVIDER",
    "SERVICES",
    "SIMULATORS",
    "ServiceSpec",
    "service_env",
    "start_service",
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


SERVICES: dict[str, ServiceSpec] = {
    spec.name: spec
    for spec in (
        ServiceSpec("order", "shop_order", "ORDER_", 8000, "ORDER_PORT"),
        ServiceSpec(
            "payment", "shop_payment", "PAYMENT_", 8001, "PAYMENT_PORT", {"PAYMENT_PROVIDER_URL": "payment-provider"}
        ),
        ServiceSpec(
            "loyalty", "shop_loyalty", "LOYALTY_", 8002, "LOYALTY_PORT", {"LOYALTY_PARTNER_URL": "loyalty-partner"}
        ),
        ServiceSpec("notifications", "shop_notifications", "NOTIFICATIONS_", 8003, "NOTIFICATIONS_PORT"),
        ServiceSpec("batch-worker", "shop_batch_worker", "BATCH_", 8004, "BATCH_PORT"),
    )
}
# A stand-in for the third-party payment provider; not part of the deployed system.
PAYMENT_PROVIDER = ServiceSpec(
    "payment-provider", "shop_devtools.payment_provider_sim", "PROVIDER_SIM_", 8010, "PROVIDER_SIM_PORT"
)
# A stand-in for the third-party loyalty partner (rewards/CRM API) that loyalty tells about every credit.
LOYALTY_PARTNER = ServiceSpec(
    "loyalty-partner", "shop_devtools.loyalty_partner_sim", "PARTNER_SIM_", 8011, "PARTNER_SIM_PORT"
)
# The third parties' stand-ins, started before the services that call them.
SIMULATORS: dict[str, ServiceSpec] = {spec.name: spec for spec in (PAYMENT_PROVIDER, LOYALTY_PARTNER)}


# A stop waits out the SQS long poll under way (see shop_shared.messaging.sqs_consumer). Locally empty
# receives cost nothing, so a short poll keeps Ctrl-C and test teardown quick; AWS keeps the 20 s default.
LOCAL_SQS_WAIT_SECONDS = 5


def configured_port(spec: ServiceSpec) -> int:
    return int(os.environ.get(spec.port_variable, spec.default_port))


def service_env(
    spec: ServiceSpec,
    port: int,
    aws_env: dict[str, str],
    deployed: DeployedTopology | None,
    ports: dict[str, int],
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """Everything a service process is given: AWS endpoints, its resources, its port, its peers."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    env.update(aws_env)
    if deployed is not None and spec.name in deployed.topology.services:
        env.update(deployed.service_environment(spec.name))
    env[f"{spec.env_prefix}HOST"] = "127.0.0.1"
    env[f"{spec.env_prefix}PORT"] = str(port)
    env["PYTHONUNBUFFERED"] = "1"
    env[f"{spec.env_prefix}SQS_WAIT_SECONDS"] = str(LOCAL_SQS_WAIT_SECONDS)  # read by the services that poll SQS
    for variable, peer in spec.peers.items():
        env[variable] = f"http://127.0.0.1:{ports[peer]}"
    env.update(extra or {})
    return env


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
