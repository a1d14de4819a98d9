"""Events the payment service publishes."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar, Literal, Self

from pydantic import model_validator

from .envelope import IntegrationEvent
from .money import Currency, PositiveAmount, check_currency_places
from .sources import PAYMENT_SOURCE

__all__ = ["PaymentFailed", "PaymentFailureReason", "PaymentRefunded", "PaymentSucceeded"]

PaymentFailureReason = Literal["card_declined", "insufficient_funds", "card_expired", "provider_unavailable"]


class _ChargedAmount(IntegrationEvent):
    """Every payment event carries the charged amount; it must fit its currency."""

    if TYPE_CHECKING:  # declared by each event, in its own field order
        amount: Decimal
        currency: str

    @model_validator(mode="after")
    def _amount_fits_the_currency(self) -> Self:
        check_currency_places(type(self).__name__, self.currency, [(("amount",), self.amount)])
        return self


class PaymentSucceeded(_ChargedAmount):
    """The provider charged the order's amount once; the order is paid."""

    event_type: ClassVar[str] = "payment.succeeded"
    event_version: ClassVar[int] = 1
    source: ClassVar[str] = PAYMENT_SOURCE

    payment_id: str
    order_id: str
    customer_id: str
    amount: PositiveAmount
    currency: Currency
    provider_reference: str


class PaymentFailed(_ChargedAmount):
    """The charge did not go through; the order stays, and the customer is asked for new details."""

    event_type: ClassVar[str] = "payment.failed"
    event_version: ClassVar[int] = 1
    source: ClassVar[str] = PAYMENT_SOURCE

    payment_id: str
    order_id: str
    customer_id: str
    amount: PositiveAmount
    currency: Currency
    reason_code: PaymentFailureReason


class PaymentRefunded(_ChargedAmount):
    """A charge that landed after its payment was reported failed (an ambiguous answer, then the provider
    showed no charge, then it appeared) was given back. The order stays PAYMENT_FAILED; operators are alarmed."""

    event_type: ClassVar[str] = "payment.refunded"
    event_version: ClassVar[int] = 1
    source: ClassVar[str] = PAYMENT_SOURCE

    payment_id: str
    order_id: str
    customer_id: str
    amount: PositiveAmount
    currency: Currency
    provider_reference: str
    refund_reference: str
    reason_code: Literal["late_charge_after_failure"]
