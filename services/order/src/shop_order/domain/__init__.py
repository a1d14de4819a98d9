"""The order domain: placing an order, its totals, idempotency keys and its payment status rules (no I/O)."""

from .commands import CONTACT_EMAIL_MAX_LENGTH, MAX_LINES, MAX_QUANTITY, Contact, OrderLineInput, PlaceOrder
from .exceptions import InvalidStatusTransition, OrderDomainError
from .idempotency import (
    IDEMPOTENCY_KEY_PATTERN,
    IdempotencyKeyReused,
    IdempotencyRecord,
    StoredResponse,
    request_fingerprint,
)
from .model import Order, OrderLine, OrderPage, OrderStatus, PaymentOutcomeAssessment, StatusChange
from .money import MAX_UNIT_PRICE, SETTLEMENT_CURRENCIES, Currency, parse_money, to_minor_units

__all__ = [
    "CONTACT_EMAIL_MAX_LENGTH",
    "IDEMPOTENCY_KEY_PATTERN",
    "MAX_LINES",
    "MAX_QUANTITY",
    "MAX_UNIT_PRICE",
    "SETTLEMENT_CURRENCIES",
    "Contact",
    "Currency",
    "IdempotencyKeyReused",
    "IdempotencyRecord",
    "InvalidStatusTransition",
    "Order",
    "OrderDomainError",
    "OrderLine",
    "OrderLineInput",
    "OrderPage",
    "OrderStatus",
    "PaymentOutcomeAssessment",
    "PlaceOrder",
    "StatusChange",
    "StoredResponse",
    "parse_money",
    "request_fingerprint",
    "to_minor_units",
]
