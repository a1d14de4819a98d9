"""Dispatch: each SQS message goes to the handler of its event type; the outcome says what became of it.

Only a `succeeded` message is deleted. A `failed` one (its handler raised) comes back after the visibility
timeout; a `rejected` one (unreadable, or an event type without handler) too, until it reaches the DLQ.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from shop_shared.contracts import EventEnvelope, InvalidEvent
from shop_shared.observability.metrics import ConsumerMetrics
from shop_shared.observability.tracing import consuming, mark_current_span_failed

from .eventbridge import envelope_from_sqs_body

if TYPE_CHECKING:
    from types_aiobotocore_sqs.type_defs import MessageTypeDef

__all__ = ["FAILED", "REJECTED", "SUCCEEDED", "Dispatcher", "EventHandler", "Outcome"]

logger = logging.getLogger(__name__)

EventHandler = Callable[[EventEnvelope[Any]], Awaitable[None]]

# What a message's handling came to; the EMF outcome counts use these names.
Outcome = Literal["succeeded", "failed", "rejected"]
SUCCEEDED: Outcome = "succeeded"
FAILED: Outcome = "failed"
REJECTED: Outcome = "rejected"


class Dispatcher:
    def __init__(
        self, handlers: Mapping[str, EventHandler], metrics: ConsumerMetrics | None = None, *, queue_name: str = ""
    ) -> None:
        self._handlers = dict(handlers)
        self._metrics = metrics
        self._queue_name = queue_name  # for the spans

    async def dispatch(self, message: MessageTypeDef) -> Outcome:
        """Parse the envelope, run its handler, log the outcome; a handler's error is an outcome, not raised."""
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
        receive_count = message.get("Attributes", {}).get("ApproximateReceiveCount")
        # The handler's span continues the trace of whoever published the event.
        with consuming(
            envelope,
            system="aws_sqs",
            destination=self._queue_name,
            message_id=message_id,
            receive_count=int(receive_count) if receive_count else None,
        ):
            try:
                await handler(envelope)
            except Exception as error:
                logger.exception("handler failed; message will be redelivered", extra=log_context)
                mark_current_span_failed(error)
                return FAILED
            logger.info("event handled", extra=log_context)
            return SUCCEEDED

    async def dispatch_measured(self, message: MessageTypeDef) -> Outcome:
        """`dispatch`, then one metrics line with the outcome and the processing time (when metrics are on)."""
        started = time.perf_counter()
        outcome = await self.dispatch(message)
        if self._metrics is not None:
            await self._metrics.message_handled(outcome, (time.perf_counter() - started) * 1000)
        return outcome
