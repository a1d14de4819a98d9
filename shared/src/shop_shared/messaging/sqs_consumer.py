"""Long-polls an SQS queue of EventBridge events and hands each one to the handler of its event type.

A message is deleted only after its handler succeeded; a failing or unreadable message stays in the
queue, comes back after the visibility timeout, and reaches the DLQ after `maxReceiveCount` receives.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from shop_shared.contracts import EventEnvelope, InvalidEvent
from shop_shared.lifecycle import run_unless_stopped, sleep_or_stop

from .eventbridge import envelope_from_sqs_body

__all__ = ["EventHandler", "SqsEventConsumer"]

logger = logging.getLogger(__name__)

EventHandler = Callable[[EventEnvelope[Any]], Awaitable[None]]

SQS_MAX_BATCH = 10


class SqsEventConsumer:
    def __init__(
        self,
        sqs_client: Any,
        queue_url: str,
        handlers: Mapping[str, EventHandler],
        *,
        wait_time_seconds: int = 20,
        max_messages: int = SQS_MAX_BATCH,
    ) -> None:
        self._client = sqs_client
        self._queue_url = queue_url
        self._handlers = dict(handlers)
        self._wait = wait_time_seconds
        self._max_messages = min(max_messages, SQS_MAX_BATCH)

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set; a batch already received is finished before returning."""
        while not stop.is_set():
            try:
                messages = await self._receive_or_stop(stop)
            except Exception:
                logger.exception("receive failed", extra={"queue_url": self._queue_url})
                await sleep_or_stop(stop, 1.0)
                continue
            if messages:
                await self.process_batch(messages)

    async def poll_once(self) -> int:
        """Receive one batch and process it; returns the number of messages received."""
        messages = await self._receive()
        if messages:
            await self.process_batch(messages)
        return len(messages)

    async def process_batch(self, messages: list[dict[str, Any]]) -> None:
        outcomes = await asyncio.gather(*(self._process(message) for message in messages))
        done = [message for message, ok in zip(messages, outcomes, strict=True) if ok]
        if done:
            await self._delete(done)

    async def _process(self, message: dict[str, Any]) -> bool:
        message_id = message["MessageId"]
        try:
            envelope = envelope_from_sqs_body(message["Body"])
        except InvalidEvent as error:
            logger.error("invalid message left for the DLQ", extra={"message_id": message_id, "error": str(error)})
            return False
        event_type = envelope.metadata.event_type
        handler = self._handlers.get(event_type)
        log_context = {"message_id": message_id, "event_id": str(envelope.metadata.event_id), "event_type": event_type}
        if handler is None:
            logger.error("no handler for event type; left for the DLQ", extra=log_context)
            return False
        try:
            await handler(envelope)
        except Exception:
            logger.exception("handler failed; message will be redelivered", extra=log_context)
            return False
        logger.info("event handled", extra=log_context)
        return True

    async def _receive(self) -> list[dict[str, Any]]:
        response = await self._client.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=self._max_messages,
            WaitTimeSeconds=self._wait,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        messages: list[dict[str, Any]] = response.get("Messages", [])
        return messages

    async def _receive_or_stop(self, stop: asyncio.Event) -> list[dict[str, Any]]:
        # A stop request must not wait out a 20 s long poll. A cancelled poll can only have made
        # messages invisible; they come back after the visibility timeout, so nothing is lost.
        _, messages = await run_unless_stopped(stop, self._receive())
        return messages or []

    async def _delete(self, messages: list[dict[str, Any]]) -> None:
        entries = [
            {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]} for index, message in enumerate(messages)
        ]
        response = await self._client.delete_message_batch(QueueUrl=self._queue_url, Entries=entries)
        for failure in response.get("Failed", []):
            # The work is done and idempotent: a redelivery is harmless, so log and go on.
            logger.warning("delete failed; the message will be redelivered", extra={"failure": failure})
