"""The order domain: placing an order, its totals, idempotency keys and its payment status rules (no I/O).

Its errors live in `shop_order.exceptions`; the customer's contact is the shared `shop_shared.contracts.Contact`.
"""

from .commands import MAX_LINES, MAX_QUANTITY, OrderLineInput, PlaceOrder
from .idempotency import IDEMPOTENCY_KEY_PATTERN, IdempotencyRecord, StoredResponse, request_fingerprint
from .model import Order, OrderLine, OrderPage, OrderStatus, PaymentOutcomeAssessment, StatusChange
from .money import MAX_UNIT_PRICE, SETTLEMENT_CURRENCIES, Currency, parse_money, to_minor_units
from .rate_limit import RateLimit

__all__ = [
    "IDEMPOTENCY_KEY_PATTERN",
    "MAX_LINES",
    "MAX_QUANTITY",
    "MAX_UNIT_PRICE",
    "SETTLEMENT_CURRENCIES",
    "Currency",
    "IdempotencyRecord",
    "Order",
    "OrderLine",
    "OrderLineInput",
    "OrderPage",
    "OrderStatus",
    "PaymentOutcomeAssessment",
    "PlaceOrder",
    "RateLimit",
    "StatusChange",
    "StoredResponse",
    "parse_money",
    "request_fingerprint",
    "to_minor_units",
]
