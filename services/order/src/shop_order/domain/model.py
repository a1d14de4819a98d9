"""The order aggregate: its lines and totals, and the rules for how payment outcomes change its status."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shop_order.exceptions import InvalidStatusTransition

from .commands import PlaceOrder
from .money import Currency, to_minor_units

__all__ = ["Order", "OrderLine", "OrderPage", "OrderStatus", "PaymentOutcomeAssessment", "StatusChange"]


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "PENDING_PAYMENT"
    PAID = "PAID"
    PAYMENT_FAILED = "PAYMENT_FAILED"


# A payment outcome settles an order once; a settled order never changes status again.
PAYMENT_OUTCOMES = frozenset({OrderStatus.PAID, OrderStatus.PAYMENT_FAILED})


class PaymentOutcomeAssessment(StrEnum):
    """What a payment outcome means for an order in its current status."""

    APPLY = "apply"  # the order awaits payment: record the outcome
    DUPLICATE = "duplicate"  # the same outcome was recorded already (a redelivery): nothing to do
    CONFLICT = "conflict"  # the order was settled the other way: ignore and report


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StatusChange(_Frozen):
    status: OrderStatus
    at: AwareDatetime


class OrderLine(_Frozen):
    sku: str
    quantity: int = Field(ge=1)
    unit_price: Decimal
    line_total: Decimal


class Order(_Frozen):
    order_id: str
    customer_id: str
    currency: Currency
    items: tuple[OrderLine, ...]
    total: Decimal
    status: OrderStatus
    created_at: AwareDatetime
    updated_at: AwareDatetime
    status_history: tuple[StatusChange, ...]
    contact_ciphertext: str = Field(repr=False, description="The contact JSON encrypted with the contact key.")
    # Payment's id for the order derives from this id (payment_id_for), so an operator goes from an order to its
    # payment with one GetItem (shopctl order). None on orders stored before the order kept it.
    created_event_id: uuid.UUID | None = Field(default=None, description="The id of the order.created event.")

    @classmethod
    def place(
        cls,
        command: PlaceOrder,
        *,
        order_id: str,
        created_event_id: uuid.UUID | None,
        contact_ciphertext: str,
        at: datetime,
    ) -> Order:
        """A new order awaiting payment, with every amount computed here from quantities and unit prices."""
        lines = tuple(
            OrderLine(
                sku=line.sku,
                quantity=line.quantity,
                unit_price=to_minor_units(line.unit_price, command.currency),
                line_total=to_minor_units(line.unit_price * line.quantity, command.currency),
            )
            for line in command.items
        )
        return cls(
            order_id=order_id,
            customer_id=command.customer_id,
            currency=command.currency,
            items=lines,
            total=to_minor_units(sum((line.line_total for line in lines), Decimal(0)), command.currency),
            status=OrderStatus.PENDING_PAYMENT,
            created_at=at,
            updated_at=at,
            status_history=(StatusChange(status=OrderStatus.PENDING_PAYMENT, at=at),),
            contact_ciphertext=contact_ciphertext,
            created_event_id=created_event_id,
        )

    def assess_payment_outcome(self, outcome: OrderStatus) -> PaymentOutcomeAssessment:
        if outcome not in PAYMENT_OUTCOMES:
            raise ValueError(f"{outcome} is not a payment outcome")
        if self.status is OrderStatus.PENDING_PAYMENT:
            return PaymentOutcomeAssessment.APPLY
        if self.status is outcome:
            return PaymentOutcomeAssessment.DUPLICATE
        return PaymentOutcomeAssessment.CONFLICT

    def record_payment_outcome(self, outcome: OrderStatus, at: datetime) -> Order:
        """The order after `outcome`; only an order awaiting payment can take one."""
        if self.assess_payment_outcome(outcome) is not PaymentOutcomeAssessment.APPLY:
            raise InvalidStatusTransition(self.status, outcome)
        change = StatusChange(status=outcome, at=at)
        return self.model_copy(
            update={"status": outcome, "updated_at": at, "status_history": (*self.status_history, change)}
        )


class OrderPage(_Frozen):
    """One page of a customer's orders, newest first; `next_cursor` is None on the last page."""

    orders: tuple[Order, ...]
    next_cursor: str | None
