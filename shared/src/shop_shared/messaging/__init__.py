"""Messaging over EventBridge and SQS: publishing envelopes and consuming them by event type."""

from .eventbridge import envelope_from_eventbridge_event, envelope_from_sqs_body
from .publisher import EventBridgePublisher, EventPublisher, PublishResult
from .sqs_consumer import EventHandler, SqsEventConsumer

__all__ = [
    "EventBridgePublisher",
    "EventHandler",
    "EventPublisher",
    "PublishResult",
    "SqsEventConsumer",
    "envelope_from_eventbridge_event",
    "envelope_from_sqs_body",
]
