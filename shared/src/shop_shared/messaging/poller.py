"""The receive loop: long-polls while a slot is free and holds each message until it is handled or given back.

At most `max_in_flight` handlers run at once; polling goes on while fewer run and nothing waits for a slot, so
one slow message does not hold up the next batch. Messages of a batch beyond the free slots wait for one. A held
message's visibility is extended while it waits or is handled. `drain` (after the stop) gives back what never
started and lets the running handlers and an open poll finish within the shutdown grace.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shop_shared.ecs import TaskProtection
from shop_shared.lifecycle import run_unless_stopped, sleep_or_stop

from .deletes import PendingReceipts
from .dispatch import SUCCEEDED, Dispatcher, Outcome
from .visibility import DEFAULT_VISIBILITY_TIMEOUT, VisibilityHeartbeat

if TYPE_CHECKING:
    from types_aiobotocore_sqs import SQSClient
    from types_aiobotocore_sqs.type_defs import MessageTypeDef

__all__ = ["PollSettings", "Poller"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PollSettings:
    wait_time_seconds: int  # the long poll's wait
    max_messages: int  # per receive, at most 10
    max_in_flight: int  # handlers running at once
    shutdown_grace_seconds: float  # how long `drain` waits for running handlers and an open poll


class Poller:
    def __init__(
        self,
        sqs_client: SQSClient,
        queue_url: str,
        dispatcher: Dispatcher,
        receipts: PendingReceipts,
        settings: PollSettings,
        protection: TaskProtection,
    ) -> None:
        self._client = sqs_client
        self._queue_url = queue_url
        self._dispatcher = dispatcher
        self._receipts = receipts
        self._settings = settings
        self._protection = protection
        self._visibility_timeout = DEFAULT_VISIBILITY_TIMEOUT  # the queue's, set by `run`
        self._slots = asyncio.Semaphore(settings.max_in_flight)
        self._held: set[asyncio.Task[None]] = set()  # received and not finished: waiting for a slot or running
        self._running = 0
        self._waiting = 0  # received, waiting for a slot
        self._slot_freed = asyncio.Event()
        self._open_receive: asyncio.Task[list[MessageTypeDef]] | None = None  # a long poll the stop interrupted

    @property
    def in_flight(self) -> int:
        """Messages whose handler is running now."""
        return self._running

    async def receive(self) -> list[MessageTypeDef]:
        response = await self._client.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=self._settings.max_messages,
            WaitTimeSeconds=self._settings.wait_time_seconds,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        return response.get("Messages", [])

    async def run(self, stop: asyncio.Event, *, visibility_timeout: int) -> None:
        """Receive until `stop` is set; each message is held by a task of its own. Call `drain` afterwards."""
        self._visibility_timeout = visibility_timeout
        while not stop.is_set():
            if self._waiting or self._running >= self._settings.max_in_flight:
                # Full: wait for a handler to finish (or the stop) before asking SQS for more.
                self._slot_freed.clear()
                await run_unless_stopped(stop, self._slot_freed.wait())
                continue
            receive = asyncio.create_task(self.receive(), name="sqs-receive")
            # shield: the stop must not cancel the poll (see sqs_consumer's docstring); the drain waits it out.
            completed, _ = await run_unless_stopped(stop, asyncio.shield(receive))
            if not completed:
                self._open_receive = receive
                return
            try:
                messages = receive.result()
            except Exception:
                logger.exception("receive failed", extra={"queue_url": self._queue_url})
                await sleep_or_stop(stop, 1.0)
                continue
            self._waiting += len(messages)
            for message in messages:
                task = asyncio.create_task(self._hold(message, stop), name=f"sqs-message-{message['MessageId']}")
                self._held.add(task)
                task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._held.discard(task)
        self._slot_freed.set()
        if not self._held:
            self._protection.idle()

    async def _hold(self, message: MessageTypeDef, stop: asyncio.Event) -> None:
        """One received message: keep it invisible, wait for a slot, handle it, queue its delete."""
        handle = message["ReceiptHandle"]
        heartbeat = VisibilityHeartbeat(self._client, self._queue_url, handle, self._visibility_timeout)
        heartbeat.start()
        try:
            acquired, _ = await run_unless_stopped(stop, self._slots.acquire())
            self._waiting -= 1
            self._slot_freed.set()
            if not acquired or stop.is_set():
                if acquired:
                    self._slots.release()
                self._receipts.release_later(handle)
                return
            try:
                outcome = await self._handle(message)
            except asyncio.CancelledError:
                # The shutdown deadline passed mid-handler: give the message back for another task.
                self._receipts.release_later(handle)
                raise
            finally:
                self._slots.release()
        finally:
            await heartbeat.stop()
        if outcome == SUCCEEDED:
            self._receipts.delete_soon(handle)

    async def _handle(self, message: MessageTypeDef) -> Outcome:
        self._running += 1
        await self._protection.busy()
        try:
            return await self._dispatcher.dispatch_measured(message)
        finally:
            self._running -= 1

    async def drain(self) -> None:
        """Give back what never started at once, then let the running handlers and an open poll finish in time."""
        deadline = time.monotonic() + self._settings.shutdown_grace_seconds
        while self._waiting:  # the waiting messages see the stop and queue their release
            self._slot_freed.clear()
            try:
                await asyncio.wait_for(self._slot_freed.wait(), timeout=max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                break
        await self._receipts.release_now()
        outstanding: set[asyncio.Task[Any]] = set(self._held)
        if self._open_receive is not None:
            outstanding.add(self._open_receive)
        if outstanding:
            _, late = await asyncio.wait(outstanding, timeout=max(0.0, deadline - time.monotonic()))
            for task in late:
                task.cancel()
            await asyncio.gather(*outstanding, return_exceptions=True)
            if late:
                logger.warning("handlers or poll cancelled at the shutdown deadline", extra={"count": len(late)})
        self._give_back_open_receive()
        await self._receipts.release_now()

    def _give_back_open_receive(self) -> None:
        receive, self._open_receive = self._open_receive, None
        if receive is None or receive.cancelled():
            return
        error = receive.exception()
        if error is not None:
            logger.warning("the last long poll failed", extra={"error": str(error)})
            return
        self._receipts.release_later(*(message["ReceiptHandle"] for message in receive.result()))
