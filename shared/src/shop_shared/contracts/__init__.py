"""Event contracts: the envelope and every integration event, versioned and schema-only."""

from .envelope import EventEnvelope, EventMetadata, IntegrationEvent, new_envelope
from .loyalty import LoyaltyTier, LoyaltyTierChanged
from .orders import OrderCreated, OrderCreatedLine
from .payments import PaymentFailed, PaymentFailureReason, PaymentSucceeded
from .registry import EVENT_MODELS, InvalidEvent, UnknownEventType, parse_envelope
from .sources import LOYALTY_SOURCE, ORDER_SOURCE, PAYMENT_SOURCE

__all__ = [
    "EVENT_MODELS",
    "LOYALTY_SOURCE",
    "ORDER_SOURCE",
    "PAYMENT_SOURCE",
    "EventEnvelope",
    "EventMetadata",
    "IntegrationEvent",
    "InvalidEvent",
    "LoyaltyTier",
    "LoyaltyTierChanged",
    "OrderCreated",
    "OrderCreatedLine",
    "PaymentFailed",
    "PaymentFailureReason",
    "PaymentSucceeded",
    "UnknownEventType",
    "new_envelope",
    "parse_envelope",
]
