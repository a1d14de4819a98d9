"""One measured phase: the open-model load against one design, the CPU of every process, and for the
event-driven system the queue depths each second and the time until everything settled."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx

from shop_devtools.benchmarks.cpu import CpuMeter

from .load import LoadResult, run_load

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient
    from types_aiobotocore_sqs import SQSClient
    from types_aiobotocore_sqs.literals import QueueAttributeNameType

__all__ = ["BASELINE", "EVENT_DRIVEN", "EventDrivenProbe", "LoadSettings", "PhaseRun", "measure"]

BASELINE = "baseline"
EVENT_DRIVEN = "event-driven"
SAMPLE_SECONDS = 1.0


@dataclass(frozen=True)
class LoadSettings:
    max_in_flight: int
    request_timeout: float
    settle_timeout: float


@dataclass
class PhaseRun:
    design: str
    condition: str
    load: LoadResult
    cpu_seconds: dict[str, float]
    depths: list[tuple[float, dict[str, int]]] = field(default_factory=list)  # (seconds, visible messages by queue)
    pending_after_load: int | None = None  # orders still awaiting payment when the load ended
    settle_seconds: float | None = None  # load end -> all orders final and every queue empty
    settled: bool | None = None

    def max_depth(self, queue: str) -> int:
        return max((depths.get(queue, 0) for _, depths in self.depths), default=0)


class EventDrivenProbe:
    """Reads the event-driven system's backlog: its service queues and the orders still awaiting payment."""

    def __init__(self, sqs: SQSClient, dynamodb: DynamoDBClient, queue_urls: dict[str, str], orders_table: str) -> None:
        self._sqs = sqs
        self._dynamodb = dynamodb
        self.queue_urls = queue_urls  # queue key -> URL
        self._orders_table = orders_table

    async def depths(self, *, with_in_flight: bool = False) -> dict[str, int]:
        names: list[QueueAttributeNameType] = ["ApproximateNumberOfMessages"]
        if with_in_flight:
            names.append("ApproximateNumberOfMessagesNotVisible")
        depths = {}
        for queue, url in self.queue_urls.items():
            attributes = (await self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names))["Attributes"]
            depths[queue] = sum(int(attributes.get(name, "0")) for name in names)
        return depths

    async def pending_orders(self) -> int:
        count = 0
        paginator = self._dynamodb.get_paginator("scan")
        async for page in paginator.paginate(
            TableName=self._orders_table,
            FilterExpression="#status = :pending",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":pending": {"S": "PENDING_PAYMENT"}},
            Select="COUNT",
        ):
            count += page.get("Count", 0)
        return count

    async def sample(self, into: list[tuple[float, dict[str, int]]], began: float) -> None:
        """Append (seconds since `began`, depths) every second until cancelled."""
        while True:
            try:
                into.append((time.perf_counter() - began, await self.depths()))
            except Exception as error:  # a missed sample must not end the phase
                print(f"bench-blackfriday | queue sample failed: {error}", flush=True)
            await asyncio.sleep(SAMPLE_SECONDS)

    async def settle(self, limit_seconds: float) -> tuple[bool, float]:
        """Wait until every queue is empty (nothing in flight either) and no order awaits payment."""
        began = time.perf_counter()
        while time.perf_counter() - began < limit_seconds:
            if not any((await self.depths(with_in_flight=True)).values()) and not await self.pending_orders():
                return True, time.perf_counter() - began
            await asyncio.sleep(SAMPLE_SECONDS)
        return False, time.perf_counter() - began


async def measure(
    *,
    design: str,
    condition: str,
    client: httpx.AsyncClient,
    url: str,
    offsets: Sequence[float],
    duration: float,
    settings: LoadSettings,
    pids: dict[str, int],
    probe: EventDrivenProbe | None,
    headers: Callable[[int], Mapping[str, str]],
    after_load: Callable[[], None] = lambda: None,
) -> PhaseRun:
    """Run the load; `after_load` (restart what the condition stopped) runs before the settling is timed."""
    meter = CpuMeter(pids)
    meter.start()
    depths: list[tuple[float, dict[str, int]]] = []
    sampler = asyncio.create_task(probe.sample(depths, time.perf_counter())) if probe else None
    try:
        load = await run_load(
            client,
            url,
            offsets,
            duration=duration,
            max_in_flight=settings.max_in_flight,
            request_timeout=settings.request_timeout,
            headers=headers,
        )
        cpu_seconds = meter.stop()
        run = PhaseRun(design, condition, load, cpu_seconds, depths)
        load_ended = time.perf_counter()
        if probe:
            run.pending_after_load = await probe.pending_orders()
        after_load()
        if probe:  # the queues are still sampled while they drain: the chart shows the backlog going away
            run.settled, _ = await probe.settle(settings.settle_timeout)
            run.settle_seconds = time.perf_counter() - load_ended
    finally:
        if sampler:
            sampler.cancel()
    return run
