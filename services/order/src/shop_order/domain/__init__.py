"""The order domain: placing an order, its totals and its payment status rules (no I/O)."""

from .commands import CONTACT_EMAIL_MAX_LENGTH, Contact, OrderLineInput, PlaceOrder
from .exceptions import InvalidStatusTransition, OrderDomainError
from .model import Order, OrderLine, OrderStatus, PaymentOutcomeAssessment, StatusChange
from .money import MAX_UNIT_PRICE, SETTLEMENT_CURRENCIES, Currency, parse_money

__all__ = [
    "CONTACT_EMAIL_MAX_LENGTH",
    "MAX_UNIT_PRICE",
    "SETTLEMENT_CURRENCIES",
    "Contact",
    "Currency",
    "InvalidStatusTransition",
    "Order",
    "OrderDomainError",
    "OrderLine",
    "OrderLineInput",
    "OrderStatus",
    "PaymentOutcomeAssessment",
    "PlaceOrder",
    "StatusChange",
    "parse_money",
]
