"""The fuzz run's own system: every service and stand-in as a real process on a free port, the topology under a
prefix of its own, on emulators the caller started (never `make start`'s). Stopped by PID on every exit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path

import boto3
from shop_shared.topology import DeployedTopology, load_topology

from shop_devtools.dev_issuer import DevIssuerClient
from shop_devtools.processes import ManagedProcess, stop_all
from shop_devtools.provisioning import provision
from shop_devtools.rotation import PaymentKeyNames
from shop_devtools.runtime import LocalAws, free_port
from shop_devtools.services import SERVICES, SIMULATORS, service_env, start_service, wait_until_ready

from .plan import FUZZ_CUSTOMER, FUZZ_EMAIL, FUZZ_KNOBS, FUZZ_PHONE

__all__ = ["FuzzStack"]

READY_TIMEOUT = 120.0  # a start on a busy 2-core machine; generous, never luck
TOKEN_LIFETIME_SECONDS = 3600


@dataclass
class FuzzStack:
    work_dir: Path
    deployed: DeployedTopology
    ports: dict[str, int]
    processes: list[ManagedProcess] = field(default_factory=list)

    @classmethod
    def start(cls, work_dir: Path, runtime: LocalAws) -> FuzzStack:
        """Provision and start everything on `runtime` (the AWS variables must point at it), healthy on return."""
        ports = {name: free_port() for name in [*SIMULATORS, *SERVICES]}
        urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        deployed, _ = provision(load_topology(), f"fuzz-{uuid.uuid4().hex[:6]}-", urls, session=boto3.Session())
        stack = cls(work_dir, deployed, ports)
        try:
            for name in ports:  # the stand-ins first: the services call them
                spec = SERVICES.get(name) or SIMULATORS[name]
                env = service_env(spec, ports[name], runtime.env, deployed, ports, FUZZ_KNOBS.get(name))
                process = start_service(spec, env, log_file=work_dir / f"{name}.log")
                stack.processes.append(process)
                wait_until_ready(process, ports[name], READY_TIMEOUT)
        except BaseException:
            stack.stop()
            raise
        return stack

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def customer_token(self) -> str:
        """The fuzzing customer's ID token, its e-mail and phone verified (so an order may name either)."""
        with DevIssuerClient(self.url("dev-issuer")) as issuer:
            return issuer.mint(FUZZ_CUSTOMER, email=FUZZ_EMAIL, phone=FUZZ_PHONE, expires_in=TOKEN_LIFETIME_SECONDS)

    def payment_key(self) -> tuple[str, str]:
        """Payment's API key header and the key it accepts now (the secret's AWSCURRENT)."""
        names = PaymentKeyNames.of(self.deployed)
        secret = boto3.Session().client("secretsmanager").get_secret_value(SecretId=names.secret_id)
        return names.api_key_header, secret["SecretString"]

    def crashed(self) -> list[str]:
        return [process.label for process in self.processes if not process.running()]

    def stop(self) -> None:
        stop_all(self.processes)
