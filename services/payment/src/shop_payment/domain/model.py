"""A payment and its state machine (see the README's diagram):

    PENDING --charged--> SUCCEEDED            PENDING --declined--> FAILED(reason)
    PENDING --answer lost (timeout, 5xx, 409, dropped)--> UNKNOWN
    UNKNOWN --lookup finds the charge--> SUCCEEDED
    UNKNOWN --lookup finds none: charge again with the same key--> (as from PENDING)
    UNKNOWN/PENDING --no charge at the provider and past the give-up horizon--> FAILED(provider_unavailable)
    FAILED(provider_unavailable, after UNKNOWN) --late-charge audit finds a charge--> REFUNDED

Only a definitive provider answer settles a payment; `due_at` says when the next step on it is due (None:
nothing left to do). The domain knows nothing of leases or DynamoDB: the repository adds those.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Literal, get_args

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from shop_shared.contracts import (
    Currency,
    OrderCreated,
    PaymentFailed,
    PaymentFailureReason,
    PaymentRefunded,
    PaymentSucceeded,
    PositiveAmount,
)

from shop_payment.exceptions import PaymentAlreadySettled

# Fixed forever: payment ids and outcome event ids derive from it, so a redelivered event maps to the same payment.
PAYMENT_ID_NAMESPACE = uuid.UUID("6f0c4a52-3c1e-4f59-9d0e-5b7a8f2e4c11")

# Provider decline code -> our reason, for every reason a provider can give (not our own provider_unavailable).
_KNOWN_DECLINES: dict[str, PaymentFailureReason] = {
    reason: reason for reason in get_args(PaymentFailureReason) if reason != "provider_unavailable"
}


class PaymentStatus(StrEnum):
    PENDING = "PENDING"  # accepted; nothing sent whose answer we lack
    UNKNOWN = "UNKNOWN"  # a charge request went out and its answer was lost: the money may have been taken
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    REFUNDED = "REFUNDED"  # reported failed, a late charge was found afterwards and given back


UNSETTLED = frozenset({PaymentStatus.PENDING, PaymentStatus.UNKNOWN})


class ChargeSucceeded(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: Literal["succeeded"] = "succeeded"
    charge_id: str = Field(min_length=1)


class ChargeDeclined(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: Literal["declined"] = "declined"
    reason: PaymentFailureReason


class ChargeAmbiguous(BaseModel):
    """A request went out and no definitive answer came back: charged or not, only a lookup can tell."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["ambiguous"] = "ambiguous"
    detail: str


DefinitiveOutcome = ChargeSucceeded | ChargeDeclined
ChargeOutcome = ChargeSucceeded | ChargeDeclined | ChargeAmbiguous


class ChargeRequest(BaseModel):
    """What the provider is asked; the idempotency key makes any retry of it safe."""

    model_config = ConfigDict(frozen=True)

    amount: PositiveAmount
    currency: Currency
    token: str = Field(repr=False)
    idempotency_key: str
    order_id: str  # sent as the charge's metadata, so an operator finds a charge by order


@dataclass(frozen=True)
class RetryPolicy:
    """When the next step on an unsettled payment is due, when to give up, when to audit for a late charge."""

    backoff_initial_seconds: float = 5.0
    backoff_max_seconds: float = 300.0
    give_up_after_seconds: float = 3600.0
    late_charge_audit_after_seconds: float = 900.0

    def backoff(self, attempts: int) -> timedelta:
        return timedelta(
            seconds=min(self.backoff_initial_seconds * 2 ** max(attempts - 1, 0), self.backoff_max_seconds)
        )


def payment_id_for(event_id: uuid.UUID) -> str:
    return str(uuid.uuid5(PAYMENT_ID_NAMESPACE, str(event_id)))


def outcome_event_id(payment_id: str) -> uuid.UUID:
    """A payment is settled once, so its outcome event id can be derived from it (stable on replays)."""
    return uuid.uuid5(PAYMENT_ID_NAMESPACE, f"{payment_id}:outcome")


def refund_event_id(payment_id: str) -> uuid.UUID:
    return uuid.uuid5(PAYMENT_ID_NAMESPACE, f"{payment_id}:refund")


def refund_idempotency_key(payment_id: str) -> str:
    return f"refund-{payment_id}"


def decline_reason(decline_code: object) -> PaymentFailureReason:
    """Map a provider decline code onto our reasons; an unknown code is still a decline of the card."""
    if isinstance(decline_code, str):
        return _KNOWN_DECLINES.get(decline_code, "card_declined")
    return "card_declined"


class Payment(BaseModel):
    model_config = ConfigDict(frozen=True)

    payment_id: str
    order_id: str
    customer_id: str
    amount: PositiveAmount
    currency: Currency
    payment_token: str = Field(repr=False)
    status: PaymentStatus
    event_id: str
    correlation_id: str
    created_at: AwareDatetime
    updated_at: AwareDatetime | None = None
    provider_reference: str | None = None
    reason_code: PaymentFailureReason | None = None
    # Steps that did not settle it (deferred or ambiguous): drives the backoff.
    attempts: int = 0
    # When the first ambiguous answer came: the give-up horizon counts from the first attempt at all.
    unknown_since: AwareDatetime | None = None
    due_at: AwareDatetime | None = None
    refund_reference: str | None = None
    # W3C trace context of the acceptance: each later step (maybe in another task) continues that trace.
    traceparent: str | None = None

    @classmethod
    def accept(
        cls,
        order: OrderCreated,
        *,
        event_id: uuid.UUID,
        correlation_id: str,
        traceparent: str | None = None,
        now: datetime | None = None,
    ) -> Payment:
        """The optimistic acceptance of one order.created: durable, not yet charged, due now."""
        accepted_at = now or datetime.now(UTC)
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
            traceparent=traceparent,
            created_at=accepted_at,
            due_at=accepted_at,
        )

    @property
    def audit_due(self) -> bool:
        """A payment given up after an ambiguous answer is checked once more for a charge that landed late."""
        return self.status is PaymentStatus.FAILED and self.due_at is not None

    def charge_request(self) -> ChargeRequest:
        return ChargeRequest(
            amount=self.amount,
            currency=self.currency,
            token=self.payment_token,
            idempotency_key=self.payment_id,
            order_id=self.order_id,
        )

    def past_give_up(self, policy: RetryPolicy, now: datetime) -> bool:
        return now - self.created_at >= timedelta(seconds=policy.give_up_after_seconds)

    def settle(
        self, outcome: DefinitiveOutcome, *, now: datetime | None = None
    ) -> tuple[Payment, PaymentSucceeded | PaymentFailed]:
        """The settled payment and the fact to publish about it."""
        if self.status not in UNSETTLED:
            raise PaymentAlreadySettled(f"payment {self.payment_id} is already {self.status}")
        settled_at = now or datetime.now(UTC)
        if isinstance(outcome, ChargeSucceeded):
            succeeded = self.model_copy(
                update={
                    "status": PaymentStatus.SUCCEEDED,
                    "provider_reference": outcome.charge_id,
                    "updated_at": settled_at,
                    "due_at": None,
                }
            )
            return succeeded, PaymentSucceeded(**self._facts(), provider_reference=outcome.charge_id)
        failed = self.model_copy(
            update={
                "status": PaymentStatus.FAILED,
                "reason_code": outcome.reason,
                "updated_at": settled_at,
                "due_at": None,
            }
        )
        return failed, PaymentFailed(**self._facts(), reason_code=outcome.reason)

    def give_up(self, policy: RetryPolicy, *, now: datetime) -> tuple[Payment, PaymentFailed]:
        """The provider confirmed no charge and it is too late to keep trying: failed as provider_unavailable.
        After an ambiguous answer a late charge is still possible (a request queued at the provider), so the
        failed payment stays due once more, for the late-charge audit."""
        if self.status not in UNSETTLED:
            raise PaymentAlreadySettled(f"payment {self.payment_id} is already {self.status}")
        audit_at = now + timedelta(seconds=policy.late_charge_audit_after_seconds)
        failed = self.model_copy(
            update={
                "status": PaymentStatus.FAILED,
                "reason_code": "provider_unavailable",
                "updated_at": now,
                "due_at": audit_at if self.status is PaymentStatus.UNKNOWN else None,
            }
        )
        return failed, PaymentFailed(**self._facts(), reason_code="provider_unavailable")

    def unknown(self, policy: RetryPolicy, *, now: datetime) -> Payment:
        """An ambiguous answer: the payment waits for a lookup, with backoff."""
        if self.status not in UNSETTLED:
            raise PaymentAlreadySettled(f"payment {self.payment_id} is already {self.status}")
        attempts = self.attempts + 1
        return self.model_copy(
            update={
                "status": PaymentStatus.UNKNOWN,
                "unknown_since": self.unknown_since or now,
                "attempts": attempts,
                "updated_at": now,
                "due_at": now + policy.backoff(attempts),
            }
        )

    def retry_later(self, policy: RetryPolicy, *, now: datetime) -> Payment:
        """Nothing learned (circuit open, rate limited, lookup failed): same status, next step after a backoff."""
        attempts = self.attempts + 1
        return self.model_copy(
            update={"attempts": attempts, "updated_at": now, "due_at": now + policy.backoff(attempts)}
        )

    def audit_found_nothing(self, *, now: datetime) -> Payment:
        if not self.audit_due:
            raise PaymentAlreadySettled(f"payment {self.payment_id} has no late-charge audit due")
        return self.model_copy(update={"due_at": None, "updated_at": now})

    def refunded(self, charge_id: str, refund_id: str, *, now: datetime) -> tuple[Payment, PaymentRefunded]:
        """A charge found after the payment was reported failed was given back."""
        if not self.audit_due:
            raise PaymentAlreadySettled(f"payment {self.payment_id} has no late-charge audit due")
        refunded = self.model_copy(
            update={
                "status": PaymentStatus.REFUNDED,
                "provider_reference": charge_id,
                "refund_reference": refund_id,
                "updated_at": now,
                "due_at": None,
            }
        )
        return refunded, PaymentRefunded(
            **self._facts(),
            provider_reference=charge_id,
            refund_reference=refund_id,
            reason_code="late_charge_after_failure",
        )

    def _facts(self) -> dict[str, object]:
        return {
            "payment_id": self.payment_id,
            "order_id": self.order_id,
            "customer_id": self.customer_id,
            "amount": self.amount,
            "currency": self.currency,
        }
