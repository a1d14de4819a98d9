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

The parts: `poller` (receive loop, slots, drain), `dispatch` (envelope, handler, outcome), `deletes` (batched
deletes and releases), `visibility` (heartbeat), `backlog` (autoscaling figures); this class composes them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Unpack

from shop_shared.ecs import TaskProtection

from .backlog import BacklogReporter
from .consumer_options import ConsumerOptions
from .deletes import SQS_MAX_BATCH, PendingReceipts, delete_handles
from .dispatch import SUCCEEDED, Dispatcher, EventHandler
from .poller import Poller, PollSettings
from .visibility import DEFAULT_VISIBILITY_TIMEOUT, read_visibility_timeout

if TYPE_CHECKING:
    from types_aiobotocore_sqs import SQSClient
    from types_aiobotocore_sqs.type_defs import MessageTypeDef

__all__ = ["EventHandler", "SqsEventConsumer"]


class SqsEventConsumer:
    """`SqsEventConsumer(sqs, queue_url, {event_type: handler}, **service_consumer_options(...))`; `run` is its loop."""

    def __init__(
        self,
        sqs_client: SQSClient,
        queue_url: str,
        handlers: Mapping[str, EventHandler],
        **options: Unpack[ConsumerOptions],
    ) -> None:
        self._client = sqs_client
        self._queue_url = queue_url
        self._visibility_timeout = options.get("visibility_timeout")  # None: read from the queue
        self._metrics = options.get("metrics")
        self._backlog_interval = options.get("backlog_interval_seconds", 60.0)
        self._protection = options.get("task_protection") or TaskProtection(agent_uri=None)
        self._dispatcher = Dispatcher(handlers, self._metrics, queue_name=queue_url.rsplit("/", 1)[-1])
        self._receipts = PendingReceipts(sqs_client, queue_url)
        settings = PollSettings(
            wait_time_seconds=options.get("wait_time_seconds", 20),
            max_messages=min(options.get("max_messages", SQS_MAX_BATCH), SQS_MAX_BATCH),
            max_in_flight=max(1, options.get("max_in_flight", 10)),
            shutdown_grace_seconds=options.get("shutdown_grace_seconds", 25.0),
        )
        self._poller = Poller(sqs_client, queue_url, self._dispatcher, self._receipts, settings, self._protection)

    @property
    def in_flight(self) -> int:
        """Messages whose handler is running now."""
        return self._poller.in_flight

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set, then finish or give back what is held (see the module docstring)."""
        if self._visibility_timeout is None:
            self._visibility_timeout = await read_visibility_timeout(self._client, self._queue_url)
        helpers = [asyncio.create_task(self._receipts.delete_continuously(), name="sqs-deletes")]
        if self._metrics is not None:
            backlog = BacklogReporter(
                self._client, self._queue_url, self._metrics, lambda: self._poller.in_flight, self._backlog_interval
            )
            helpers.append(asyncio.create_task(backlog.run(stop), name="sqs-backlog-metrics"))
        try:
            await self._poller.run(stop, visibility_timeout=self._visibility_timeout or DEFAULT_VISIBILITY_TIMEOUT)
        finally:
            await self._poller.drain()
            for helper in helpers:
                helper.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)
            await self._receipts.flush_deletes()
            await self._protection.close()

    async def poll_once(self) -> int:
        """Receive one batch and process it; returns the number of messages received."""
        messages = await self._poller.receive()
        if messages:
            await self.process_batch(messages)
        return len(messages)

    async def process_batch(self, messages: Sequence[MessageTypeDef]) -> None:
        """Handle a batch to the end and delete what succeeded (no heartbeat: for tests and one-off runs)."""
        outcomes = await asyncio.gather(*(self._dispatcher.dispatch(message) for message in messages))
        done = [
            message["ReceiptHandle"]
            for message, outcome in zip(messages, outcomes, strict=True)
            if outcome == SUCCEEDED
        ]
        if done:
            await delete_handles(self._client, self._queue_url, done)
