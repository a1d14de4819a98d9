"""The soak's load: orders at a steady rate over HTTP, as a careful client sends them, while the faults fire.

Open model: order n leaves at n / rate seconds whatever the answers before it, so a dead order API builds a
queue of waiting clients exactly as real traffic would. A client retries a 5xx, a 429, a timeout or a lost
connection with the same Idempotency-Key and body (backoff 0.2 s doubling to 2 s, for up to 15 minutes), so an
order API killed mid-request loses no order and makes none twice; 10 % of orders are POSTed again once
answered, and must get the same order back. Each request carries its customer's token (minted before the load by
the soak's dev issuer, with the order's contact as a verified claim).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from shop_devtools.dev_issuer import bearer

from .capture import EventCapture
from .schedule import Fault, PlannedOrder, fire_index
from .system import SoakSystem

__all__ = ["FaultRunner", "Placed", "Replayer", "TimelineEntry", "run_load"]

# Generous: on a busy 2-core machine an order API restarted under load may take minutes to work through the
# queue of waiting clients (a 2,000-order run here gave up on 366 orders with 180 s, every one of them consistent).
RETRY_WINDOW_SECONDS = 900.0
MAX_CONNECTIONS = 100  # more concurrent clients only slow the one order process down
REPLAY_EVERY_SECONDS = 2.0


@dataclass
class Placed:
    planned: PlannedOrder
    order_id: str | None = None
    attempts: int = 0
    error: str | None = None
    duplicate_same_order: bool | None = None  # None unless POSTed twice
    seconds: float = 0.0  # from the first attempt to the 201


@dataclass(frozen=True)
class TimelineEntry:
    at_seconds: float
    orders_sent: int
    what: str


class FaultRunner:
    """Runs each fault in a thread of its own when its time comes, so the load never waits for a restart and
    faults of different processes may overlap, as failures do; faults of one process run one after another."""

    def __init__(self, system: SoakSystem, began: float, say: Callable[[str], None]) -> None:
        self.system = system
        self.began = began
        self.say = say
        self.timeline: list[TimelineEntry] = []
        self.failures: list[str] = []
        self._threads: list[threading.Thread] = []
        self._locks: dict[str, threading.Lock] = {}

    def submit(self, fault: Fault, orders_sent: int) -> None:
        lock = self._locks.setdefault(fault.target, threading.Lock())
        thread = threading.Thread(
            target=self._run, args=(fault, orders_sent, lock), name=f"soak-fault-{fault.target}", daemon=True
        )
        self._threads.append(thread)
        thread.start()

    def finish(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        if any(thread.is_alive() for thread in self._threads):
            self.failures.append(f"the faults were still running {timeout:.0f} s after the load ended")
        self.system.proxy.refuse(False)  # never leave the bus down

    def note(self, orders_sent: int, what: str) -> None:
        entry = TimelineEntry(time.monotonic() - self.began, orders_sent, what)
        self.timeline.append(entry)
        self.say(f"t={entry.at_seconds:6.1f} s, {orders_sent:>6,} orders sent: {what}")

    def _run(self, fault: Fault, orders_sent: int, lock: threading.Lock) -> None:
        with lock:
            try:
                if fault.kind in ("kill", "term"):
                    self.note(orders_sent, fault.describe())
                    code, seconds = self.system.restart(fault.target, "KILL" if fault.kind == "kill" else "TERM")
                    self.note(orders_sent, f"{fault.target} exited with {code}; healthy again after {seconds:.1f} s")
                else:
                    self.system.proxy.refuse(fault.kind == "bus_down")
                    cut = f" ({self.system.proxy.refused} connections to EventBridge refused or cut)"
                    self.note(orders_sent, fault.describe() + (cut if fault.kind == "bus_up" else ""))
            except Exception as error:  # a restart that fails is a finding, not a reason to stop the load
                self.failures.append(f"{fault.describe()}: {error}")
                self.note(orders_sent, f"FAILED: {fault.describe()}: {error}")


class Replayer:
    """Puts the events of the orders chosen for replay on the bus a second time, each once, as they appear."""

    def __init__(self, capture: EventCapture) -> None:
        self.capture = capture
        self.chosen: set[str] = set()  # order ids
        self.replayed: Counter[str] = Counter()  # by event type
        self._done: set[str] = set()  # event ids

    def replay_due(self) -> int:
        due = [e for e in self.capture.of_orders(self.chosen) if e.event_id not in self._done]
        if not due:
            return 0
        sent = self.capture.replay(due)
        for event in due:
            self._done.add(event.event_id)
            self.replayed[event.event_type] += 1
        return sent


async def run_load(
    plan: list[PlannedOrder],
    rate: float,
    order_url: str,
    faults: list[Fault],
    runner: FaultRunner,
    replayer: Replayer,
    tokens: Mapping[str, str],
) -> list[Placed]:
    """Place every order of `plan` on schedule; `tokens` holds each customer's bearer token."""
    by_index: dict[int, list[Fault]] = {}
    for fault in faults:
        by_index.setdefault(fire_index(fault, len(plan)), []).append(fault)
    placed = [Placed(order) for order in plan]
    stop_replaying = asyncio.Event()
    limits = httpx.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS)
    async with httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=10.0, pool=120.0), limits=limits) as client:
        replays = asyncio.create_task(_replay_loop(replayer, placed, stop_replaying))
        tasks = []
        began = time.monotonic()
        for order in plan:
            delay = began + order.index / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            for fault in by_index.get(order.index, []):
                runner.submit(fault, order.index)
            token = tokens[order.customer_id]
            tasks.append(asyncio.create_task(_place(client, order_url, placed[order.index], token)))
        for fault in by_index.get(len(plan), []):
            runner.submit(fault, len(plan))
        await asyncio.gather(*tasks)
        stop_replaying.set()
        await replays
    return placed


async def _replay_loop(replayer: Replayer, placed: list[Placed], stop: asyncio.Event) -> None:
    while not stop.is_set():
        replayer.chosen.update(p.order_id for p in placed if p.planned.replay_events and p.order_id)
        with contextlib.suppress(Exception):  # the emulator busy: the next round replays them
            await asyncio.to_thread(replayer.replay_due)
        try:
            await asyncio.wait_for(stop.wait(), REPLAY_EVERY_SECONDS)
        except TimeoutError:
            pass
    replayer.chosen.update(p.order_id for p in placed if p.planned.replay_events and p.order_id)


async def _place(client: httpx.AsyncClient, order_url: str, placed: Placed, token: str) -> None:
    began = time.monotonic()
    answer = await _post_until_answered(client, order_url, placed, token)
    if answer is None:
        return
    placed.order_id = str(answer["order_id"])
    placed.seconds = time.monotonic() - began
    if placed.planned.duplicate_post:
        again = await _post_until_answered(client, order_url, placed, token)
        placed.duplicate_same_order = again is not None and again.get("order_id") == placed.order_id


async def _post_until_answered(
    client: httpx.AsyncClient, order_url: str, placed: Placed, token: str
) -> dict[str, Any] | None:
    order = placed.planned
    headers = {"Idempotency-Key": order.idempotency_key} | bearer(token)
    began = time.monotonic()
    delay = 0.2
    while True:
        placed.attempts += 1
        try:
            response = await client.post(f"{order_url}/orders", json=order.body(), headers=headers)
            if response.status_code == 201:
                answer: dict[str, Any] = response.json()
                return answer
            reason = f"HTTP {response.status_code}"
            if response.status_code < 500 and response.status_code != 429:
                placed.error = f"{reason}: {response.text[:200]}"
                return None
        except httpx.TransportError as error:
            reason = type(error).__name__
        if time.monotonic() - began > RETRY_WINDOW_SECONDS:
            placed.error = f"no 201 after {placed.attempts} attempts in {RETRY_WINDOW_SECONDS:.0f} s (last: {reason})"
            return None
        await asyncio.sleep(delay)
        delay = min(2.0, delay * 2)
