"""Messaging over EventBridge and SQS: publishing envelopes and consuming them by event type."""

from .consumer_options import ConsumerOptions, service_consumer_options
from .eventbridge import envelope_from_eventbridge_event, envelope_from_sqs_body
from .publisher import EventBridgePublisher, EventPublisher, PublishResult
from .sqs_consumer import EventHandler, SqsEventConsumer

__all__ = [
    "ConsumerOptions",
    "EventBridgePublisher",
    "EventHandler",
    "EventPublisher",
    "PublishResult",
    "SqsEventConsumer",
    "envelope_from_eventbridge_event",
    "envelope_from_sqs_body",
    "service_consumer_options",
]
