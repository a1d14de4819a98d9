"""Part 3: messages/s of one loyalty process draining a preloaded queue, against raw SQS receive + delete.

The loyalty queue gets N order.created messages (as EventBridge delivers them, one customer each) while nothing
consumes it; then one loyalty process (the partner simulator at 0 ms) drains it. The raw baseline drains an
equal preload of the same queue with receive + delete only, at the same batch size and concurrency. A drain is
timed from the first message taken to the queue being empty, so process start-up is not in the figure.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shop_devtools.benchmarks.cpu import CpuMeter
from shop_devtools.processes import ManagedProcess
from shop_devtools.testing.events import QUEUE_COUNTERS, as_eventbridge_event, order_created_envelope

from .comparison import Comparison
from .stage import Stage, say

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

__all__ = ["Drain", "measure_loyalty_drain"]

GOAL = 0.8
LOYALTY_QUEUE = "loyalty-order-events"
CONSUMER_BATCH = 10  # SqsEventConsumer's max_messages
CONSUMER_IN_FLIGHT = 10  # service_consumer_options' max_in_flight
PRELOAD_THREADS = 8
WATCH_INTERVAL = 0.1


@dataclass(frozen=True)
class Drain:
    label: str
    messages: int
    seconds: float
    cpu_seconds: dict[str, float]

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0


def preload(sqs: SQSClient, queue_url: str, count: int, tag: str) -> None:
    bodies = [
        json.dumps(as_eventbridge_event(order_created_envelope(f"drain-{tag}-{number}", "25.00")))
        for number in range(count)
    ]
    batches = [bodies[start : start + 10] for start in range(0, count, 10)]

    def send(batch: list[str]) -> None:
        entries: list[SendMessageBatchRequestEntryTypeDef] = [
            {"Id": str(index), "MessageBody": body} for index, body in enumerate(batch)
        ]
        failed = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries).get("Failed", [])
        if failed:
            raise RuntimeError(f"preload: {len(failed)} messages refused: {failed[0]}")

    with ThreadPoolExecutor(PRELOAD_THREADS) as pool:
        list(pool.map(send, batches))


def _counters(sqs: SQSClient, queue_url: str) -> tuple[int, int]:
    """(visible, in flight or delayed)."""
    values = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=list(QUEUE_COUNTERS))["Attributes"]
    visible = int(values.get("ApproximateNumberOfMessages", "0"))
    return visible, sum(int(values.get(name, "0")) for name in QUEUE_COUNTERS) - visible


def timed_drain(
    sqs: SQSClient, queue_url: str, count: int, process: ManagedProcess, pids: dict[str, int], timeout: float
) -> Drain:
    """From the first message taken to an empty queue; CPU of `pids` over the same span."""
    deadline = time.monotonic() + timeout
    meter = CpuMeter(pids)
    began: float | None = None
    while time.monotonic() < deadline:
        if not process.running():
            raise RuntimeError(f"{process.label} exited during the drain; see its log")
        visible, held = _counters(sqs, queue_url)
        now = time.perf_counter()
        if began is None and visible < count:
            began = now
            meter.start()
        if began is not None and visible == 0 and held == 0:
            return Drain(process.label, count, now - began, meter.stop())
        time.sleep(WATCH_INTERVAL)
    raise TimeoutError(f"{process.label} did not drain {count:,} messages in {timeout:.0f} s")


def measure_loyalty_drain(stage: Stage, sqs: SQSClient, *, messages: int, timeout: float) -> Comparison:
    queue_url = stage.queue_url(sqs, LOYALTY_QUEUE)
    partner = stage.start("loyalty-partner", {"PARTNER_SIM_LATENCY_MS": "0"})
    try:
        preload(sqs, queue_url, messages, "loyalty")
        say(f"preloaded {messages:,} order.created messages; starting one loyalty process")
        loyalty = stage.start("loyalty")
        pids = stage.emulator_pids() | {"loyalty": loyalty.pid, "loyalty-partner": partner.pid}
        try:
            design = timed_drain(sqs, queue_url, messages, loyalty, pids, timeout)
        finally:
            stage.stop(loyalty)
    finally:
        stage.stop(partner)
    say(f"loyalty: {messages:,} messages in {design.seconds:.1f} s = {design.rate:,.0f}/s")
    preload(sqs, queue_url, messages, "raw")
    raw_process = stage.start_module(
        "raw-sqs-drain",
        "shop_devtools.benchmarks.efficiency.raw_sqs_drain",
        [queue_url, "--batch", str(CONSUMER_BATCH), "--in-flight", str(CONSUMER_IN_FLIGHT)],
    )
    try:
        raw = timed_drain(
            sqs, queue_url, messages, raw_process, stage.emulator_pids() | {"raw-sqs-drain": raw_process.pid}, timeout
        )
    finally:
        stage.stop(raw_process)
    say(f"raw receive+delete: {messages:,} messages in {raw.seconds:.1f} s = {raw.rate:,.0f}/s")
    cpu = {f"{name} (loyalty drain)": seconds for name, seconds in design.cpu_seconds.items()}
    cpu |= {f"{name} (raw drain)": seconds for name, seconds in raw.cpu_seconds.items()}
    return Comparison(
        name="loyalty messages/s, one process",
        unit="messages/s",
        measured=design.rate,
        baseline=raw.rate,
        goal=GOAL,
        goal_kind="at_least",
        cpu_seconds=cpu,
        wall_seconds=design.seconds + raw.seconds,
        note=f"{messages:,} messages each, batch {CONSUMER_BATCH}, {CONSUMER_IN_FLIGHT} in flight, partner at 0 ms",
    )
