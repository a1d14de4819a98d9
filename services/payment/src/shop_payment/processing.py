"""Runs payments in the background: one tracked task per payment, a semaphore bounding the steps in
flight, a bounded wait for them at shutdown, and the due-work sweep.

The sweep is how every payment gets its next step when the task that accepted it cannot give it one: deferred
payments, UNKNOWN ones waiting for a lookup, failed ones waiting for a late-charge audit, and payments whose
worker died (its lease expired). It asks the repository only for as many due payments as it has free slots,
and sweeps again at once while it keeps getting full pages (a backlog), else after `sweep_interval_seconds`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from shop_shared.lifecycle import sleep_or_stop

__all__ = ["PaymentProcessor"]

logger = logging.getLogger(__name__)

ProcessPayment = Callable[[str], Awaitable[object]]
ListDue = Callable[[int], Awaitable[list[str]]]

# While listing fails, the sweep tries again sooner than its interval: first after this, then doubling.
FIRST_LIST_RETRY_SECONDS = 2.0


class PaymentProcessor:
    def __init__(
        self,
        process: ProcessPayment,
        list_due: ListDue,
        *,
        max_concurrent: int,
        sweep_interval_seconds: float = 5.0,
    ) -> None:
        self._process = process
        self._list_due = list_due
        self._max_concurrent = max_concurrent
        self._slots = asyncio.Semaphore(max_concurrent)
        self._sweep_interval = sweep_interval_seconds
        self._payments: dict[str, asyncio.Task[None]] = {}
        self._closing = asyncio.Event()

    @property
    def in_flight(self) -> int:
        return len(self._payments)

    def submit(self, payment_id: str) -> bool:
        """Start processing unless it already runs here or we are shutting down (it stays PENDING then)."""
        if self._closing.is_set() or payment_id in self._payments:
            return False
        task = asyncio.create_task(self._run(payment_id), name=f"payment-{payment_id}")
        self._payments[payment_id] = task
        task.add_done_callback(self._forget)
        return True

    def _forget(self, task: asyncio.Task[None]) -> None:
        payment_id = task.get_name().removeprefix("payment-")
        if self._payments.get(payment_id) is task:
            del self._payments[payment_id]

    async def run(self, stop: asyncio.Event) -> None:
        """The due-work sweep, as a background loop of the service (see the module docstring)."""
        failures = 0
        while not stop.is_set():
            free = self._max_concurrent - len(self._payments)
            if free <= 0:
                await sleep_or_stop(stop, min(1.0, self._sweep_interval))
                continue
            try:
                due = await self._list_due(free)
            except Exception:
                failures += 1
                retry_in = min(FIRST_LIST_RETRY_SECONDS * 2 ** (failures - 1), self._sweep_interval)
                logger.exception("could not list due payments; retrying", extra={"retry_in_seconds": retry_in})
                await sleep_or_stop(stop, retry_in)
                continue
            failures = 0
            submitted = [payment_id for payment_id in due if self.submit(payment_id)]
            if submitted:
                logger.info("processing due payments", extra={"count": len(submitted)})
            if len(due) < free or not submitted:
                await sleep_or_stop(stop, self._sweep_interval)
            else:
                await asyncio.sleep(0)  # a full page: more is due; sweep again once these have started

    async def join(self) -> None:
        """Wait until nothing is in flight (tests and shutdown)."""
        while self._payments:
            await asyncio.wait(list(self._payments.values()))
            # Finished tasks leave the registry in their done callbacks, which need a turn of the loop.
            await asyncio.sleep(0)

    async def shutdown(self, grace_seconds: float) -> None:
        self._closing.set()
        tasks = list(self._payments.values())
        if not tasks:
            return
        _, unfinished = await asyncio.wait(tasks, timeout=grace_seconds)
        if unfinished:
            logger.warning("payments still running at shutdown; cancelling", extra={"count": len(unfinished)})
        for task in unfinished:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _run(self, payment_id: str) -> None:
        async with self._slots:
            try:
                await self._process(payment_id)
            except Exception:
                logger.exception(
                    "payment step failed; the sweep retries it when its lease expires",
                    extra={"payment_id": payment_id},
                )
