"""Response bodies of the payment API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel
from shop_shared.contracts import Currency, PaymentFailureReason, PlainDecimal

from shop_payment.domain import Payment, PaymentStatus

__all__ = ["AcceptedResponse", "PaymentView"]


class AcceptedResponse(BaseModel):
    payment_id: str
    status: Literal["accepted"] = "accepted"


class PaymentView(BaseModel):
    """What operators and tests may see of a payment: never the payment token."""

    payment_id: str
    order_id: str
    status: PaymentStatus
    amount: PlainDecimal
    currency: Currency
    provider_reference: str | None = None
    reason_code: PaymentFailureReason | None = None
    refund_reference: str | None = None
    due_at: datetime | None = None  # when its next step is due (a lookup, a retry, an audit); None: nothing left
    created_at: datetime
    updated_at: datetime | None = None

    @classmethod
    def of(cls, payment: Payment) -> PaymentView:
        return cls.model_validate(payment.model_dump(exclude={"payment_token"}))
