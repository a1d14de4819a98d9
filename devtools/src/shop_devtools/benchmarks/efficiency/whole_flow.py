"""The CPU each service process uses per order, from one run of the whole flow (the capacity sheet's input).

Every service and both simulators (at 0 ms) run; N orders are placed and the run waits until every queue of the
topology is empty and stays so. Each process's CPU over that span, divided by the orders, is its CPU per order
with idle polling included; the marginal figure subtracts the CPU the same process burns idle (measured for
IDLE_SECONDS before the load), which is what more orders cost. The sheet uses the marginal one: the idle floor is
paid by the minimum task count.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from shop_devtools.benchmarks.cpu import CpuMeter
from shop_devtools.services import SERVICES
from shop_devtools.testing.events import QUEUE_COUNTERS

from .http_load import LoadResult, order_customers, post_orders
from .stage import Stage, say

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

__all__ = ["FlowRun", "cpu_ms_per_order", "measure_whole_flow"]

SETTLE_SECONDS = 3.0
IDLE_SECONDS = 8.0
FLOW_SERVICES = ("order", "payment", "loyalty", "notifications")
# Every bench order has the same contact (http_load.CONTACT): at the default cap of 10 messages per destination
# and hour, all but 10 confirmations would be suppressed, and notifications' CPU per order would leave out the send.
FLOW_ENV = {"notifications": {"NOTIFICATIONS_DESTINATION_CAP_PER_HOUR": "1000"}}


class FlowRun:
    def __init__(
        self, load: LoadResult, cpu_seconds: dict[str, float], seconds: float, idle_cpu_per_second: dict[str, float]
    ) -> None:
        self.load = load
        self.cpu_seconds = cpu_seconds
        self.seconds = seconds
        self.idle_cpu_per_second = idle_cpu_per_second

    def cpu_ms_per_order(self, *, marginal: bool = False) -> dict[str, float]:
        """Each service's CPU ms per accepted order; `marginal`: less what it would have burnt idle meanwhile."""
        idle = self.idle_cpu_per_second if marginal else {}
        return cpu_ms_per_order(self.cpu_seconds, self.load.accepted, idle, self.seconds)


def cpu_ms_per_order(
    cpu_seconds: dict[str, float], orders: int, idle_cpu_per_second: dict[str, float], seconds: float
) -> dict[str, float]:
    if not orders:
        return {}
    return {
        name: max(0.0, cpu_seconds[name] - idle_cpu_per_second.get(name, 0.0) * seconds) * 1000 / orders
        for name in FLOW_SERVICES
        if name in cpu_seconds
    }


def _quiet(sqs: SQSClient, urls: list[str], timeout: float) -> bool:
    """True once every queue is empty (visible, in flight, delayed) for SETTLE_SECONDS."""
    deadline = time.monotonic() + timeout
    empty_since: float | None = None
    while time.monotonic() < deadline:
        total = 0
        for url in urls:
            values = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(QUEUE_COUNTERS))["Attributes"]
            total += sum(int(values.get(name, "0")) for name in QUEUE_COUNTERS)
        now = time.monotonic()
        if total:
            empty_since = None
        elif empty_since is None:
            empty_since = now
        elif now - empty_since >= SETTLE_SECONDS:
            return True
        time.sleep(0.5)
    return False


def measure_whole_flow(stage: Stage, sqs: SQSClient, *, orders: int, concurrency: int, timeout: float) -> FlowRun:
    processes = [
        stage.start("payment-provider", {"PROVIDER_SIM_LATENCY_MS": "0"}),
        stage.start("loyalty-partner", {"PARTNER_SIM_LATENCY_MS": "0"}),
    ]
    try:
        processes += [stage.start(name, FLOW_ENV.get(name)) for name in FLOW_SERVICES if name in SERVICES]
        urls = [stage.queue_url(sqs, key) for key in stage.deployed.topology.queues]
        pids = stage.emulator_pids() | {process.label: process.pid for process in processes}
        idle = CpuMeter(pids)
        idle.start()
        time.sleep(IDLE_SECONDS)
        idle_per_second = {name: seconds / IDLE_SECONDS for name, seconds in idle.stop().items()}
        tokens = stage.tokens()
        tokens.prepare(order_customers("flow", orders))  # minted before the meter starts
        meter = CpuMeter(pids)
        meter.start()
        began = time.perf_counter()
        load = asyncio.run(
            post_orders(stage.url("order"), orders, concurrency=concurrency, customer_prefix="flow", tokens=tokens)
        )
        settled = _quiet(sqs, urls, timeout)
        seconds = time.perf_counter() - began
        cpu = meter.stop()
    finally:
        stage.stop(*processes)
    state = "settled" if settled else f"NOT settled within {timeout:.0f} s"
    say(f"whole flow: {load.accepted:,} of {orders:,} orders accepted, {state} after {seconds:.1f} s")
    return FlowRun(load, cpu, seconds, idle_per_second)
