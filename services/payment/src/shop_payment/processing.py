"""Runs payments in the background: one tracked task per payment, a semaphore bounding the charges in
flight, a bounded wait for them at shutdown, and the pending sweep.

The sweep is the one way a PENDING payment is tried again: at startup it takes every PENDING payment (a
previous run was cut off), then every `sweep_interval_seconds` those accepted at least `min_pending_age_seconds`
ago that are not in flight here: payments deferred while the provider's circuit was open, and payments whose
outcome could not be written (DynamoDB failed after the charge). The minimum age keeps it off payments that
are still being handled by the task that accepted them; the provider's idempotency key makes any overlap safe.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from shop_shared.lifecycle import sleep_or_stop

__all__ = ["PaymentProcessor"]

logger = logging.getLogger(__name__)

ProcessPayment = Callable[[str], Awaitable[object]]
ListPending = Callable[[float], Awaitable[list[str]]]

# While listing fails, the sweep tries again sooner than its interval: first after this, then doubling.
FIRST_LIST_RETRY_SECONDS = 2.0


class PaymentProcessor:
    def __init__(
        self,
        process: ProcessPayment,
        list_pending: ListPending,
        *,
        max_concurrent: int,
        sweep_interval_seconds: float = 15.0,
        min_pending_age_seconds: float = 60.0,
    ) -> None:
        self._process = process
        self._list_pending = list_pending
        self._slots = asyncio.Semaphore(max_concurrent)
        self._sweep_interval = sweep_interval_seconds
        self._min_age = min_pending_age_seconds
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
        """The pending sweep, as a background loop of the service (see the module docstring)."""
        min_age = 0.0  # the first pass, at startup, takes everything a previous run left
        failures = 0
        while not stop.is_set():
            try:
                pending = await self._list_pending(min_age)
            except Exception:
                failures += 1
                retry_in = min(FIRST_LIST_RETRY_SECONDS * 2 ** (failures - 1), self._sweep_interval)
                logger.exception("could not list pending payments; retrying", extra={"retry_in_seconds": retry_in})
                await sleep_or_stop(stop, retry_in)
                continue
            failures = 0
            submitted = [payment_id for payment_id in pending if self.submit(payment_id)]
            if submitted:
                logger.info(
                    "processing pending payments again", extra={"count": len(submitted), "at_startup": min_age == 0}
                )
            min_age = self._min_age
            await sleep_or_stop(stop, self._sweep_interval)

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
                    "payment processing failed; it stays PENDING for the pending sweep",
                    extra={"payment_id": payment_id},
                )
