"""Events the payment service publishes."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import Field

from .envelope import IntegrationEvent
from .sources import PAYMENT_SOURCE

__all__ = ["PaymentFailed", "PaymentFailureReason", "PaymentSucceeded"]

PaymentFailureReason = Literal["card_declined", "insufficient_funds", "card_expired", "provider_unavailable"]


class PaymentSucceeded(IntegrationEvent):
    event_type: ClassVar[str] = "payment.succeeded"
    event_version: ClassVar[int] = 1
    source: ClassVar[str] = PAYMENT_SOURCE

    payment_id: str
    order_id: str
    customer_id: str
    amount: Decimal
    currency: str = Field(min_length=3, max_length=3)
    provider_reference: str


class PaymentFailed(IntegrationEvent):
    """The charge did not go through; the order stays, and the customer is asked for new details."""

    event_type: ClassVar[str] = "payment.failed"
    event_version: ClassVar[int] = 1
    source: ClassVar[str] = PAYMENT_SOURCE

    payment_id: str
    order_id: str
    customer_id: str
    amount: Decimal
    currency: str = Field(min_length=3, max_length=3)
    reason_code: PaymentFailureReason
