"""Event contracts: the envelope and every integration event, versioned and schema-only."""

from .contact import Channel, Contact, contact_encryption_context, mask_email, mask_phone
from .envelope import EventEnvelope, EventMetadata, IntegrationEvent, new_envelope
from .loyalty import LoyaltyTier, LoyaltyTierChanged
from .money import (
    MINOR_UNITS,
    SUPPORTED_CURRENCIES,
    Currency,
    NonNegativeAmount,
    PlainDecimal,
    PositiveAmount,
    check_currency_places,
    decimal_places,
    fixed_point,
    parse_plain_decimal,
)
from .orders import OrderCreated, OrderCreatedLine
from .payments import PaymentFailed, PaymentFailureReason, PaymentRefunded, PaymentSucceeded
from .registry import EVENT_MODELS, InvalidEvent, UnknownEventType, parse_envelope
from .sources import LOYALTY_SOURCE, ORDER_SOURCE, PAYMENT_SOURCE

__all__ = [
    "EVENT_MODELS",
    "LOYALTY_SOURCE",
    "MINOR_UNITS",
    "ORDER_SOURCE",
    "PAYMENT_SOURCE",
    "SUPPORTED_CURRENCIES",
    "Channel",
    "Contact",
    "Currency",
    "EventEnvelope",
    "EventMetadata",
    "IntegrationEvent",
    "InvalidEvent",
    "LoyaltyTier",
    "LoyaltyTierChanged",
    "NonNegativeAmount",
    "OrderCreated",
    "OrderCreatedLine",
    "PaymentFailed",
    "PaymentFailureReason",
    "PaymentRefunded",
    "PaymentSucceeded",
    "PlainDecimal",
    "PositiveAmount",
    "UnknownEventType",
    "check_currency_places",
    "contact_encryption_context",
    "decimal_places",
    "fixed_point",
    "mask_email",
    "mask_phone",
    "new_envelope",
    "parse_envelope",
    "parse_plain_decimal",
]
