"""The open-model load: requests leave on a schedule fixed in advance, whether or not earlier ones answered.

A closed loop (each client waits for its answer before sending again) slows down with the system it measures
and hides the queueing a slow system causes; here the arrival rate is the input. The only bound is a safety cap
on requests in flight, and every request it refuses is counted as dropped. Latency is measured from the
scheduled time, so a generator that falls behind does not hide the delay (no coordinated omission).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = ["CUSTOMERS", "LoadResult", "Phase", "Sample", "arrival_offsets", "order_body", "order_customer", "run_load"]

CUSTOMERS = 500


@dataclass(frozen=True)
class Phase:
    seconds: float
    rate: float  # arrivals per second


@dataclass(frozen=True)
class Sample:
    offset: float  # when the request was due, seconds after the load began
    latency: float  # from that moment to the answer (or to the client's timeout)
    status: int | None  # None: no answer (connection refused, timeout)
    order_id: str | None = None


@dataclass
class LoadResult:
    seconds: float  # the scheduled duration
    samples: list[Sample] = field(default_factory=list)
    dropped: int = 0  # due while the in-flight cap was reached: never sent
    in_flight: list[tuple[float, int]] = field(default_factory=list)  # (seconds, requests in flight), each second

    @property
    def accepted(self) -> list[Sample]:
        return [sample for sample in self.samples if sample.status == 201]

    @property
    def errors(self) -> int:
        return sum(1 for sample in self.samples if sample.status != 201)


def arrival_offsets(phases: Sequence[Phase], *, poisson: bool, rng: random.Random) -> list[float]:
    """When each request is due, in seconds from the start: evenly spaced, or Poisson (exponential gaps)."""
    offsets: list[float] = []
    start = 0.0
    for phase in phases:
        end = start + phase.seconds
        if phase.rate > 0:
            if poisson:
                moment = start + rng.expovariate(phase.rate)
                while moment < end:
                    offsets.append(moment)
                    moment += rng.expovariate(phase.rate)
            else:
                count = round(phase.seconds * phase.rate)
                offsets.extend(start + index / phase.rate for index in range(count))
        start = end
    return offsets


def order_customer(number: int, customers: int = CUSTOMERS) -> str:
    """Who places request `number`: customers repeat (points accumulate) without one becoming a hot key."""
    return f"bf-{number % customers}"


def order_body(number: int, customers: int = CUSTOMERS) -> dict[str, Any]:
    """A valid `POST /orders` body; the contact is the e-mail the dev issuer's token verifies by default."""
    customer = order_customer(number, customers)
    return {
        "customer_id": customer,
        "currency": "USD",
        "items": [{"sku": "SKU-1", "quantity": 1, "unit_price": "19.99"}],
        "payment_token": "tok_success",
        "contact": {"email": f"{customer}@example.com"},
    }


async def run_load(
    client: httpx.AsyncClient,
    url: str,
    offsets: Sequence[float],
    *,
    duration: float,
    max_in_flight: int,
    request_timeout: float,
    body: Callable[[int], dict[str, Any]] = order_body,
    headers: Callable[[int], Mapping[str, str]] = lambda _: {},
) -> LoadResult:
    """Send `POST url` at each offset (request `number` with `headers(number)`: its customer's token); waits for the
    last answers (at most `request_timeout` after the last send)."""
    loop = asyncio.get_running_loop()
    result = LoadResult(seconds=duration)
    in_flight: set[asyncio.Task[None]] = set()
    began = loop.time()

    async def send(number: int, offset: float) -> None:
        status: int | None = None
        order_id: str | None = None
        try:
            # One deadline for the whole request (waiting for a connection included), as a checkout page has.
            async with asyncio.timeout(request_timeout):
                response = await client.post(
                    url, json=body(number), headers=headers(number), timeout=None
                )  # not httpx's 5 s default
            status = response.status_code
            if status == 201:
                order_id = str(response.json()["order_id"])
        except (httpx.HTTPError, TimeoutError):
            pass
        result.samples.append(Sample(offset, loop.time() - began - offset, status, order_id))

    async def count_in_flight() -> None:
        while True:
            result.in_flight.append((loop.time() - began, len(in_flight)))
            await asyncio.sleep(1.0)

    counter = asyncio.create_task(count_in_flight())
    try:
        for number, offset in enumerate(offsets):
            delay = began + offset - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if len(in_flight) >= max_in_flight:
                result.dropped += 1
                continue
            task = asyncio.create_task(send(number, offset))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
        if in_flight:
            await asyncio.wait(set(in_flight), timeout=request_timeout + 5)
    finally:
        counter.cancel()
        for task in set(in_flight):
            task.cancel()
    result.samples.sort(key=lambda sample: sample.offset)
    return result
