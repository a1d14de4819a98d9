"""The processes a run needs, on free ports under the run's prefix: both designs, the simulators, the emulators.

Every process is a ManagedProcess of this run, so one of them (loyalty, a simulator) is stopped and started again
on its port while the others keep running, and every one is stopped by PID at the end.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from shop_shared.topology import DeployedTopology

from shop_devtools.processes import ManagedProcess, stop_all
from shop_devtools.runtime import LocalAws, free_port
from shop_devtools.services import SERVICES, SIMULATORS, ServiceSpec, service_env, start_service, wait_until_ready

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = ["BASELINE", "BASELINE_TABLE_KEY", "BenchSystem", "create_baseline_table", "plan_ports"]

BASELINE = ServiceSpec(
    "sync-baseline",
    "shop_devtools.sync_baseline",
    "SYNC_BASELINE_",
    8020,
    "SYNC_BASELINE_PORT",
    {"SYNC_BASELINE_PROVIDER_URL": "payment-provider", "SYNC_BASELINE_PARTNER_URL": "loyalty-partner"},
)
BASELINE_TABLE_KEY = "sync-baseline-orders"
START_TIMEOUT_SECONDS = 60.0  # the machine is busy: LocalStack, moto and the other processes share 2 cores
SPECS: dict[str, ServiceSpec] = {**SIMULATORS, **SERVICES, BASELINE.name: BASELINE}


def plan_ports() -> dict[str, int]:
    """Every process's port, known before provisioning (the API destination needs payment's URL)."""
    return {name: free_port() for name in SPECS}


def create_baseline_table(dynamodb: DynamoDBClient, deployed: DeployedTopology) -> str:
    """The baseline's own orders table, under the run's prefix (removed with the prefix's resources)."""
    name = deployed.name(BASELINE_TABLE_KEY)
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "order_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "order_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.get_waiter("table_exists").wait(TableName=name)
    return name


class BenchSystem:
    def __init__(self, runtime: LocalAws, deployed: DeployedTopology, ports: dict[str, int], work_dir: Path) -> None:
        self.runtime = runtime
        self.deployed = deployed
        self.ports = ports
        self.work_dir = work_dir
        self.processes: dict[str, ManagedProcess] = {}
        self.extra_env: dict[str, dict[str, str]] = {}
        self._starts = 0

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def start(self, name: str, extra_env: dict[str, str] | None = None) -> None:
        """Start `name` on its port (with `extra_env`, else the one it had last), healthy on return."""
        if extra_env is not None:
            self.extra_env[name] = extra_env
        spec, port = SPECS[name], self.ports[name]
        env = service_env(spec, port, self.runtime.env, self.deployed, self.ports, self.extra_env.get(name))
        self._starts += 1
        process = start_service(spec, env, log_file=self.work_dir / f"{name}-{self._starts}.log")
        self.processes[name] = process
        wait_until_ready(process, port, timeout=START_TIMEOUT_SECONDS)

    def stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is not None:
            process.stop()

    def reconfigure(self, name: str, extra_env: dict[str, str]) -> None:
        """Restart `name` only when its settings change (a simulator's latency between conditions)."""
        if name in self.processes and self.extra_env.get(name, {}) == extra_env:
            return
        self.stop(name)
        self.start(name, extra_env)

    def stop_everything(self) -> None:
        stop_all(list(self.processes.values()))
        self.processes.clear()

    def pids(self) -> dict[str, int]:
        """Every process whose CPU a phase reports: the emulators (when ours), the processes, this generator."""
        emulators = {process.label: process.pid for process in self.runtime.started}
        return emulators | {name: process.pid for name, process in self.processes.items()} | {"load-gen": os.getpid()}
