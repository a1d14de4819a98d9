"""What every measurement of `make bench-efficiency` runs on: the emulators, the provisioned topology, and the
processes it starts (services, simulators, the bare fixtures), each on a free port and stopped by PID; the dev OIDC
issuer runs throughout, so the customers' tokens stay valid from one measurement to the next."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from shop_shared.topology import DeployedTopology

from shop_devtools.dev_issuer import CustomerTokens, DevIssuerClient
from shop_devtools.dev_issuer.tokens import MAX_LIFETIME_SECONDS
from shop_devtools.processes import ManagedProcess, stop_all
from shop_devtools.runtime import LocalAws
from shop_devtools.services import SERVICES, SIMULATORS, ServiceSpec, service_env, start_service, wait_until_ready

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

__all__ = ["BARE_ORDER", "Stage", "say"]

# The bare handler runs on the order service's variables (same tables, bus and key).
BARE_ORDER = ServiceSpec("bare-order", "shop_devtools.benchmarks.efficiency.bare_order_app", "ORDER_", 0, "")


def say(message: str) -> None:
    print(f"bench-efficiency | {message}", flush=True)


@dataclass
class Stage:
    runtime: LocalAws
    deployed: DeployedTopology
    ports: dict[str, int]  # service or simulator name -> its port (fixed at provisioning: the API destination's)
    work_dir: Path
    running: list[ManagedProcess] = field(default_factory=list)
    _tokens: CustomerTokens | None = field(default=None, init=False, repr=False)

    def tokens(self) -> CustomerTokens:
        """Customers' tokens from the run's dev issuer (started on first use, stopped with everything)."""
        if self._tokens is None:
            self.start("dev-issuer")
            self._tokens = CustomerTokens(DevIssuerClient(self.url("dev-issuer")), expires_in=MAX_LIFETIME_SECONDS)
        return self._tokens

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def emulator_pids(self) -> dict[str, int]:
        return {process.label: process.pid for process in self.runtime.started}

    def start(
        self, name: str, extra: dict[str, str] | None = None, *, as_spec: ServiceSpec | None = None
    ) -> ManagedProcess:
        """Start service or simulator `name` on its port (or `as_spec` on name's environment) and wait until ready."""
        spec = SERVICES.get(name) or SIMULATORS[name]
        env = service_env(spec, self.ports[name], self.runtime.env, self.deployed, self.ports, extra)
        started_as = as_spec or spec
        process = start_service(started_as, env, log_file=self.work_dir / f"{started_as.name}.log")
        self.running.append(process)
        wait_until_ready(process, self.ports[name], timeout=60.0)
        return process

    def start_module(self, label: str, module: str, args: list[str]) -> ManagedProcess:
        """A helper process of the benchmark (a raw baseline), with the AWS variables and nothing else."""
        env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
        env |= self.runtime.env | {"PYTHONUNBUFFERED": "1"}
        process = ManagedProcess(
            label, [sys.executable, "-m", module, *args], env=env, log_file=self.work_dir / f"{label}.log"
        )
        self.running.append(process)
        return process

    def stop(self, *processes: ManagedProcess) -> None:
        stop_all(list(processes))
        self.running = [process for process in self.running if process not in processes]

    def stop_everything(self) -> None:
        self.stop(*self.running)
        self._tokens = None

    def queue_url(self, sqs: SQSClient, key: str) -> str:
        return sqs.get_queue_url(QueueName=self.deployed.name(key))["QueueUrl"]

    def purge_queues(self, sqs: SQSClient) -> None:
        """Empty every queue of the topology: what one measurement published must not feed the next."""
        prefix = self.deployed.name("")
        for url in sqs.list_queues(QueueNamePrefix=prefix).get("QueueUrls", []):
            sqs.purge_queue(QueueUrl=url)
