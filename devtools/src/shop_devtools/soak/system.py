"""The soak's own system: emulators on free ports, the topology under a prefix of its own, the EventBridge
fault proxy, and every service and stand-in as a real process that can be killed and started again."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import boto3
from shop_shared.topology import DeployedTopology, load_topology

from shop_devtools.benchmarks.cpu import process_cpu_seconds
from shop_devtools.processes import ManagedProcess, ProcessSlot, stop_all
from shop_devtools.provisioning import provision
from shop_devtools.runtime import LocalAws, free_port
from shop_devtools.services import SERVICES, SIMULATORS, service_env, start_service, wait_until_ready

from .proxy import FaultProxy

__all__ = ["KNOBS", "Downtime", "SoakSystem"]

READY_TIMEOUT = 120.0  # a restart on a busy 2-core machine; generous, never luck

# The provider's faults run throughout: 5 % 500s, 5 % 429s, 6 % of successful charges answered late (past
# payment's read timeout) or dropped. Payment is made impatient enough for those to become UNKNOWN payments
# settled by lookup, and its lease short enough that a killed worker's payments are taken over within the run.
KNOBS: dict[str, dict[str, str]] = {
    "payment-provider": {
        "PROVIDER_SIM_ERROR_RATE": "0.05",
        "PROVIDER_SIM_RATE_LIMIT_RATE": "0.05",
        "PROVIDER_SIM_TIMEOUT_AFTER_CHARGE_RATE": "0.06",
        "PROVIDER_SIM_LATE_ANSWER_MS": "3000",
        "PROVIDER_SIM_DROP_SHARE": "0.5",
        "PROVIDER_SIM_LATENCY_MS": "20",
        "PROVIDER_SIM_SEED": "20261206",
    },
    "loyalty-partner": {"PARTNER_SIM_ERROR_RATE": "0.02", "PARTNER_SIM_LATENCY_MS": "20"},
    "payment": {
        "PAYMENT_PROVIDER_READ_TIMEOUT_SECONDS": "2",
        "PAYMENT_PROVIDER_CONNECT_TIMEOUT_SECONDS": "1",
        "PAYMENT_PROVIDER_CIRCUIT_FAILURE_THRESHOLD": "1000",  # the soak is about lost answers and kills
        "PAYMENT_LEASE_SECONDS": "20",
        "PAYMENT_LEASE_SAFETY_MARGIN_SECONDS": "5",
        "PAYMENT_DUE_SWEEP_INTERVAL_SECONDS": "1",
        "PAYMENT_RETRY_BACKOFF_MAX_SECONDS": "5",
    },
    # The soak checks exactly-once under faults, not the abuse limits (their own tests do): its customers order
    # about five times each within minutes (more for some, at 5 orders/s), which the defaults of 10 orders a
    # minute and 10 messages per destination and hour would refuse or suppress. Lifted; every order still counts.
    "order": {"ORDER_RATE_LIMIT_ORDERS": "1000"},
    "notifications": {"NOTIFICATIONS_DESTINATION_CAP_PER_HOUR": "1000"},
}


@dataclass
class Downtime:
    """When a process was down: from the signal until healthy again (monotonic seconds)."""

    process: str
    began: float
    ended: float | None = None


@dataclass
class SoakSystem:
    work_dir: Path
    runtime: LocalAws
    proxy: FaultProxy
    deployed: DeployedTopology
    ports: dict[str, int]
    slots: dict[str, ProcessSlot] = field(default_factory=dict)
    downtimes: list[Downtime] = field(default_factory=list)
    retired_cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds of the incarnations stopped

    @classmethod
    def start(cls, work_dir: Path, runtime: LocalAws) -> SoakSystem:
        """Provision and start everything on `runtime` (the AWS variables must point at it)."""
        proxy = FaultProxy(runtime.endpoints.localstack_port).start()
        slots: dict[str, ProcessSlot] = {}
        try:
            ports = {name: free_port() for name in [*SIMULATORS, *SERVICES]}
            urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
            # As deployed on AWS: without the local runtime's event log (it doubles LocalStack's CPU per event).
            deployed, _ = provision(
                load_topology(), f"soak-{uuid.uuid4().hex[:6]}-", urls, session=boto3.Session(), event_log=False
            )
            system = cls(work_dir, runtime, proxy, deployed, ports, slots)
            for name in ports:  # the stand-ins first: the services call them
                slots[name] = system._slot(name)
                slots[name].start()
        except BaseException:
            stop_all([slot.process for slot in slots.values() if slot.process is not None])
            proxy.close()
            raise
        return system

    @property
    def url(self) -> dict[str, str]:
        return {name: f"http://127.0.0.1:{port}" for name, port in self.ports.items()}

    def pids(self) -> dict[str, int]:
        """Every process now running, by label (the emulators and the current incarnation of each service)."""
        pids = {process.label: process.pid for process in self.runtime.started}
        return pids | {name: slot.process.pid for name, slot in self.slots.items() if slot.process is not None}

    def restart(self, name: str, signal_name: str) -> tuple[int | None, float]:
        """Stop `name` with the signal and start it again; returns its exit code and the seconds until healthy."""
        downtime = Downtime(name, time.monotonic())
        self.downtimes.append(downtime)
        self._retire_cpu(name)
        code = self.slots[name].stop(signal_name)
        self.slots[name].start()
        downtime.ended = time.monotonic()
        return code, downtime.ended - downtime.began

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds of every service and stand-in since it was first started, all incarnations together."""
        totals = dict(self.retired_cpu)
        for name, slot in self.slots.items():
            if slot.process is not None and slot.running():
                totals[name] = totals.get(name, 0.0) + (process_cpu_seconds(slot.process.pid) or 0.0)
        return totals

    def _retire_cpu(self, name: str) -> None:
        process = self.slots[name].process
        if process is not None and process.running():
            self.retired_cpu[name] = self.retired_cpu.get(name, 0.0) + (process_cpu_seconds(process.pid) or 0.0)

    def crashed(self) -> list[str]:
        emulators = [p.label for p in self.runtime.started if not p.running()]
        return emulators + [name for name, slot in self.slots.items() if slot.crashed()]

    def stop(self) -> None:
        """The services and stand-ins, and the proxy; the emulators are the caller's."""
        stop_all([slot.process for slot in self.slots.values() if slot.process is not None])
        self.proxy.close()

    def _slot(self, name: str) -> ProcessSlot:
        spec = SERVICES.get(name) or SIMULATORS[name]
        aws_env = self.runtime.env
        if name in SERVICES:
            aws_env = aws_env | {"AWS_ENDPOINT_URL_EVENTBRIDGE": self.proxy.url}
        env = service_env(spec, self.ports[name], aws_env, self.deployed, self.ports, KNOBS.get(name))
        log_file = self.work_dir / f"{name}.log"

        def launch() -> ManagedProcess:
            return start_service(spec, env, log_file=log_file)

        return ProcessSlot(name, launch, lambda process: wait_until_ready(process, self.ports[name], READY_TIMEOUT))
