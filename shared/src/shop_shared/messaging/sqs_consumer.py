"""Long-polls an SQS queue of EventBridge events and hands each one to the handler of its event type.

A message is deleted only after its handler succeeded; a failing or unreadable message stays in the
queue, comes back after the visibility timeout, and reaches the DLQ after `maxReceiveCount` receives.
At most `max_in_flight` handlers run at once; polling goes on while fewer run and nothing waits for a
slot, so one slow message does not hold up the next batch. A batch has up to `max_messages`; messages
beyond the free slots wait for one. A held message's visibility is extended while it waits or is handled.
On stop: no more polling, messages not yet started are made visible again at once, the running
handlers get `shutdown_grace_seconds` to finish. A long poll under way when the stop comes is waited out
(within the same deadline) and what it brings is given back at once: SQS does not notice a client that
hangs up mid-poll and would hand the next messages to the dead connection, hiding them for a whole
visibility timeout. Keep `wait_time_seconds` below the grace so that the wait fits.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from shop_shared.contracts import EventEnvelope, InvalidEvent
from shop_shared.ecs import TaskProtection
from shop_shared.lifecycle import run_unless_stopped, sleep_or_stop
from shop_shared.observability.metrics import ConsumerMetrics

from .eventbridge import envelope_from_sqs_body
from .visibility import SQS_MAX_BATCH, VisibilityHeartbeat, delete_handles, release_handles

__all__ = ["EventHandler", "SqsEventConsumer"]

logger = logging.getLogger(__name__)

EventHandler = Callable[[EventEnvelope[Any]], Awaitable[None]]

# What a message's handling came to; the EMF outcome counts use these names.
SUCCEEDED, FAILED, REJECTED = "succeeded", "failed", "rejected"


class SqsEventConsumer:
    def __init__(
        self,
        sqs_client: Any,
        queue_url: str,
        handlers: Mapping[str, EventHandler],
        *,
        wait_time_seconds: int = 20,
        max_messages: int = SQS_MAX_BATCH,
        max_in_flight: int = 10,
        visibility_timeout: int | None = None,
        shutdown_grace_seconds: float = 25.0,
        metrics: ConsumerMetrics | None = None,
        backlog_interval_seconds: float = 60.0,
        task_protection: TaskProtection | None = None,
    ) -> None:
        self._client = sqs_client
        self._queue_url = queue_url
        self._handlers = dict(handlers)
        self._wait = wait_time_seconds
        self._max_messages = min(max_messages, SQS_MAX_BATCH)
        self._max_in_flight = max(1, max_in_flight)
        self._visibility_timeout = visibility_timeout
        self._grace = shutdown_grace_seconds
        self._metrics = metrics
        self._backlog_interval = backlog_interval_seconds
        self._protection = task_protection or TaskProtection(agent_uri="")
        self._slots = asyncio.Semaphore(self._max_in_flight)
        self._held: set[asyncio.Task[None]] = set()  # received and not finished: waiting for a slot or running
        self._running = 0
        self._waiting = 0  # received, waiting for a slot
        self._slot_freed = asyncio.Event()
        self._to_delete: list[str] = []
        self._to_release: list[str] = []
        self._delete_wanted = asyncio.Event()
        self._open_receive: asyncio.Task[list[dict[str, Any]]] | None = None  # a long poll the stop interrupted

    @property
    def in_flight(self) -> int:
        """Messages whose handler is running now."""
        return self._running

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set, then finish or give back what is held (see the module docstring)."""
        if self._visibility_timeout is None:
            self._visibility_timeout = await self._read_visibility_timeout()
        helpers = [asyncio.create_task(self._delete_loop(stop), name="sqs-deletes")]
        if self._metrics is not None:
            helpers.append(asyncio.create_task(self._backlog_loop(stop), name="sqs-backlog-metrics"))
        try:
            await self._poll_loop(stop)
        finally:
            await self._drain()
            for helper in helpers:
                helper.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)
            await self._flush_deletes()
            await self._protection.close()

    async def poll_once(self) -> int:
        """Receive one batch and process it; returns the number of messages received."""
        messages = await self._receive(self._max_messages)
        if messages:
            await self.process_batch(messages)
        return len(messages)

    async def process_batch(self, messages: list[dict[str, Any]]) -> None:
        """Handle a batch to the end and delete what succeeded (no heartbeat: for tests and one-off runs)."""
        outcomes = await asyncio.gather(*(self._process(message) for message in messages))
        done = [
            message["ReceiptHandle"]
            for message, outcome in zip(messages, outcomes, strict=True)
            if outcome == SUCCEEDED
        ]
        if done:
            await delete_handles(self._client, self._queue_url, done)

    async def _poll_loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            if self._waiting or self._running >= self._max_in_flight:
                # Full: wait for a handler to finish (or the stop) before asking SQS for more.
                self._slot_freed.clear()
                await run_unless_stopped(stop, self._slot_freed.wait())
                continue
            receive = asyncio.create_task(self._receive(self._max_messages), name="sqs-receive")
            # shield: the stop must not cancel the poll (see the module docstring); the drain waits it out.
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

    async def _hold(self, message: dict[str, Any], stop: asyncio.Event) -> None:
        """One received message: keep it invisible, wait for a slot, handle it, queue its delete."""
        handle = message["ReceiptHandle"]
        heartbeat = VisibilityHeartbeat(self._client, self._queue_url, handle, self._visibility_timeout or 30)
        heartbeat.start()
        try:
            acquired, _ = await run_unless_stopped(stop, self._slots.acquire())
            self._waiting -= 1
            self._slot_freed.set()
            if not acquired or stop.is_set():
                if acquired:
                    self._slots.release()
                self._to_release.append(handle)
                return
            try:
                outcome = await self._handle(message)
            except asyncio.CancelledError:
                # The shutdown deadline passed mid-handler: give the message back for another task.
                self._to_release.append(handle)
                raise
            finally:
                self._slots.release()
        finally:
            await heartbeat.stop()
        if outcome == SUCCEEDED:
            self._to_delete.append(handle)
            self._delete_wanted.set()

    async def _handle(self, message: dict[str, Any]) -> str:
        self._running += 1
        await self._protection.busy()
        started = time.perf_counter()
        try:
            outcome = await self._process(message)
        finally:
            self._running -= 1
        if self._metrics is not None:
            await self._metrics.message_handled(outcome, (time.perf_counter() - started) * 1000)
        return outcome

    async def _process(self, message: dict[str, Any]) -> str:
        message_id = message["MessageId"]
        try:
            envelope = envelope_from_sqs_body(message["Body"])
        except InvalidEvent as error:
            logger.error("invalid message left for the DLQ", extra={"message_id": message_id, "error": str(error)})
            return REJECTED
        event_type = envelope.metadata.event_type
        handler = self._handlers.get(event_type)
        log_context = {"message_id": message_id, "event_id": str(envelope.metadata.event_id), "event_type": event_type}
        if handler is None:
            logger.error("no handler for event type; left for the DLQ", extra=log_context)
            return REJECTED
        try:
            await handler(envelope)
        except Exception:
            logger.exception("handler failed; message will be redelivered", extra=log_context)
            return FAILED
        logger.info("event handled", extra=log_context)
        return SUCCEEDED

    async def _drain(self) -> None:
        """Give back what never started at once, then let the running handlers and an open poll finish in time."""
        deadline = time.monotonic() + self._grace
        while self._waiting:  # the waiting messages see the stop and queue their release
            self._slot_freed.clear()
            try:
                await asyncio.wait_for(self._slot_freed.wait(), timeout=max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                break
        if self._to_release:
            await self._release()
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
        if self._to_release:
            await self._release()

    def _give_back_open_receive(self) -> None:
        receive, self._open_receive = self._open_receive, None
        if receive is None or receive.cancelled():
            return
        if receive.exception() is not None:
            logger.warning("the last long poll failed", extra={"error": str(receive.exception())})
            return
        self._to_release.extend(message["ReceiptHandle"] for message in receive.result())

    async def _release(self) -> None:
        handles, self._to_release = self._to_release, []
        logger.info("giving back unstarted messages", extra={"count": len(handles)})
        await release_handles(self._client, self._queue_url, handles)

    async def _delete_loop(self, stop: asyncio.Event) -> None:
        while True:
            await self._delete_wanted.wait()
            # A moment's wait gathers the deletes of messages finishing together into one call.
            await asyncio.sleep(0.05)
            self._delete_wanted.clear()
            await self._flush_deletes()

    async def _flush_deletes(self) -> None:
        if self._to_delete:
            handles, self._to_delete = self._to_delete, []
            await delete_handles(self._client, self._queue_url, handles)

    async def _backlog_loop(self, stop: asyncio.Event) -> None:
        assert self._metrics is not None
        while not stop.is_set():
            try:
                attributes = await self._queue_attributes(
                    "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"
                )
                await self._metrics.backlog(
                    int(attributes["ApproximateNumberOfMessages"]),
                    int(attributes["ApproximateNumberOfMessagesNotVisible"]),
                    self._running,
                )
            except Exception as error:
                # A missing figure must not stop the consumer.
                logger.warning("backlog figure not read", extra={"error": str(error)})
            await sleep_or_stop(stop, self._backlog_interval)

    async def _read_visibility_timeout(self) -> int:
        try:
            return int((await self._queue_attributes("VisibilityTimeout"))["VisibilityTimeout"])
        except Exception as error:
            # The SQS default keeps the heartbeat on the safe side.
            logger.warning("visibility timeout not read; assuming 30 s", extra={"error": str(error)})
            return 30

    async def _queue_attributes(self, *names: str) -> dict[str, str]:
        response = await self._client.get_queue_attributes(QueueUrl=self._queue_url, AttributeNames=list(names))
        attributes: dict[str, str] = response["Attributes"]
        return attributes

    async def _receive(self, count: int) -> list[dict[str, Any]]:
        response = await self._client.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=count,
            WaitTimeSeconds=self._wait,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        messages: list[dict[str, Any]] = response.get("Messages", [])
        return messages
