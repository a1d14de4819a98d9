"""Runs payments in the background: one tracked task per payment, a semaphore bounding the charges in
flight, and a bounded wait for them at shutdown (what is cut off stays PENDING and resumes at next start)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from shop_shared.lifecycle import sleep_or_stop

__all__ = ["PaymentProcessor"]

logger = logging.getLogger(__name__)

ProcessPayment = Callable[[str], Awaitable[object]]
ListPending = Callable[[], Awaitable[list[str]]]


class PaymentProcessor:
    def __init__(self, process: ProcessPayment, *, max_concurrent: int) -> None:
        self._process = process
        self._slots = asyncio.Semaphore(max_concurrent)
        self._payments: dict[str, asyncio.Task[None]] = {}
        self._others: set[asyncio.Task[None]] = set()
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

    def resume_pending(self, list_pending: ListPending, *, retry_seconds: float = 2.0) -> None:
        """In the background, find the payments a previous run left PENDING and process them again."""
        task = asyncio.create_task(self._resume(list_pending, retry_seconds), name="resume-pending-payments")
        self._others.add(task)
        task.add_done_callback(self._others.discard)

    async def join(self) -> None:
        """Wait until nothing is in flight (tests and shutdown)."""
        while self._payments or self._others:
            await asyncio.wait([*self._payments.values(), *self._others])
            # Finished tasks leave the registry in their done callbacks, which need a turn of the loop.
            await asyncio.sleep(0)

    async def shutdown(self, grace_seconds: float) -> None:
        self._closing.set()
        tasks = [*self._payments.values(), *self._others]
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
                logger.exception("payment processing failed; it stays PENDING", extra={"payment_id": payment_id})

    async def _resume(self, list_pending: ListPending, retry_seconds: float) -> None:
        delay = retry_seconds
        while not self._closing.is_set():
            try:
                pending = await list_pending()
            except Exception:
                logger.exception("could not list pending payments; retrying")
                await sleep_or_stop(self._closing, delay)
                delay = min(delay * 2, 60.0)
                continue
            submitted = [payment_id for payment_id in pending if self.submit(payment_id)]
            if submitted:
                logger.info("resuming pending payments", extra={"count": len(submitted)})
            return
