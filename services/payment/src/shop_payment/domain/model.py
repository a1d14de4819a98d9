"""A payment: accepted as PENDING for one order.created, settled once as SUCCEEDED or FAILED."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal, get_args

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from shop_shared.contracts import OrderCreated, PaymentFailed, PaymentFailureReason, PaymentSucceeded

# Fixed forever: payment ids and outcome event ids derive from it, so a redelivered event maps to the same payment.
PAYMENT_ID_NAMESPACE = uuid.UUID("6f0c4a52-3c1e-4f59-9d0e-5b7a8f2e4c11")

_KNOWN_DECLINES: frozenset[str] = frozenset(get_args(PaymentFailureReason)) - {"provider_unavailable"}


class PaymentAlreadySettled(Exception):
    """A settled payment is final; settling it again is a bug or a lost race."""


class PaymentStatus(StrEnum):
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


class ChargeSucceeded(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: Literal["succeeded"] = "succeeded"
    charge_id: str = Field(min_length=1)


class ChargeDeclined(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: Literal["declined"] = "declined"
    reason: PaymentFailureReason


ChargeOutcome = ChargeSucceeded | ChargeDeclined


class ChargeRequest(BaseModel):
    """What the provider is asked; the idempotency key makes any retry of it safe."""

    model_config = ConfigDict(frozen=True)

    amount: Decimal
    currency: str
    token: str
    idempotency_key: str


def payment_id_for(event_id: uuid.UUID) -> str:
    return str(uuid.uuid5(PAYMENT_ID_NAMESPACE, str(event_id)))


def outcome_event_id(payment_id: str) -> uuid.UUID:
    """A payment is settled once, so its outcome event id can be derived from it (stable on replays)."""
    return uuid.uuid5(PAYMENT_ID_NAMESPACE, f"{payment_id}:outcome")


def decline_reason(decline_code: object) -> PaymentFailureReason:
    """Map a provider decline code onto our reasons; an unknown code is still a decline of the card."""
    if isinstance(decline_code, str) and decline_code in _KNOWN_DECLINES:
        return decline_code  # type: ignore[return-value]
    return "card_declined"


class Payment(BaseModel):
    model_config = ConfigDict(frozen=True)

    payment_id: str
    order_id: str
    customer_id: str
    amount: Decimal
    currency: str
    payment_token: str = Field(repr=False)
    status: PaymentStatus
    event_id: str
    correlation_id: str
    created_at: AwareDatetime
    updated_at: AwareDatetime | None = None
    provider_reference: str | None = None
    reason_code: PaymentFailureReason | None = None

    @classmethod
    def accept(
        cls, order: OrderCreated, *, event_id: uuid.UUID, correlation_id: str, now: datetime | None = None
    ) -> Payment:
        """The optimistic acceptance of one order.created: durable, not yet charged."""
        return cls(
            payment_id=payment_id_for(event_id),
            order_id=order.order_id,
            customer_id=order.customer_id,
            amount=order.total,
            currency=order.currency,
            payment_token=order.payment_token,
            status=PaymentStatus.PENDING,
            event_id=str(event_id),
            correlation_id=correlation_id,
            created_at=now or datetime.now(UTC),
        )

    def charge_request(self) -> ChargeRequest:
        return ChargeRequest(
            amount=self.amount, currency=self.currency, token=self.payment_token, idempotency_key=self.payment_id
        )

    def settle(
        self, outcome: ChargeOutcome, *, now: datetime | None = None
    ) -> tuple[Payment, PaymentSucceeded | PaymentFailed]:
        """The settled payment and the fact to publish about it."""
        if self.status is not PaymentStatus.PENDING:
            raise PaymentAlreadySettled(f"payment {self.payment_id} is already {self.status}")
        facts = {
            "payment_id": self.payment_id,
            "order_id": self.order_id,
            "customer_id": self.customer_id,
            "amount": self.amount,
            "currency": self.currency,
        }
        settled_at = now or datetime.now(UTC)
        if isinstance(outcome, ChargeSucceeded):
            succeeded = self.model_copy(
                update={
                    "status": PaymentStatus.SUCCEEDED,
                    "provider_reference": outcome.charge_id,
                    "updated_at": settled_at,
                }
            )
            return succeeded, PaymentSucceeded(**facts, provider_reference=outcome.charge_id)
        failed = self.model_copy(
            update={"status": PaymentStatus.FAILED, "reason_code": outcome.reason, "updated_at": settled_at}
        )
        return failed, PaymentFailed(**facts, reason_code=outcome.reason)
