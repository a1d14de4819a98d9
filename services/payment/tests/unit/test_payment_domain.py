"""The payment domain: ids, acceptance, outcome mapping and the PENDING -> SUCCEEDED/FAILED transitions."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from shop_payment.domain import (
    ChargeDeclined,
    ChargeSucceeded,
    Payment,
    PaymentStatus,
    decline_reason,
    outcome_event_id,
    payment_id_for,
)
from shop_payment.exceptions import PaymentAlreadySettled
from shop_shared.contracts import EventEnvelope, OrderCreated, PaymentFailed, PaymentFailureReason, PaymentSucceeded

OrderCreatedFactory = Callable[..., EventEnvelope[OrderCreated]]


def _accepted(order_created: OrderCreatedFactory) -> tuple[Payment, OrderCreated]:
    envelope = order_created("tok_secret_123")
    payment = Payment.accept(
        envelope.data, event_id=envelope.metadata.event_id, correlation_id=envelope.metadata.correlation_id
    )
    return payment, envelope.data


def test_payment_id_is_derived_from_the_event_id() -> None:
    event_id = uuid.uuid4()

    assert payment_id_for(event_id) == payment_id_for(uuid.UUID(str(event_id)))
    assert payment_id_for(event_id) != payment_id_for(uuid.uuid4())
    assert uuid.UUID(payment_id_for(event_id)).version == 5


def test_outcome_event_id_is_stable_per_payment() -> None:
    assert outcome_event_id("p-1") == outcome_event_id("p-1") != outcome_event_id("p-2")


def test_accept_records_a_pending_payment_for_the_order(order_created: OrderCreatedFactory) -> None:
    payment, order = _accepted(order_created)

    assert payment.status is PaymentStatus.PENDING
    assert (payment.order_id, payment.customer_id, payment.amount, payment.currency) == (
        order.order_id,
        order.customer_id,
        Decimal("39.98"),
        "USD",
    )
    assert payment.provider_reference is None and payment.reason_code is None


def test_the_charge_request_uses_the_payment_id_as_idempotency_key(order_created: OrderCreatedFactory) -> None:
    payment, _ = _accepted(order_created)
    request = payment.charge_request()

    assert request.idempotency_key == payment.payment_id
    assert (request.amount, request.currency, request.token) == (Decimal("39.98"), "USD", "tok_secret_123")


def test_the_token_is_not_in_the_repr(order_created: OrderCreatedFactory) -> None:
    payment, _ = _accepted(order_created)

    assert "tok_secret_123" not in repr(payment)


def test_success_settles_as_succeeded_with_the_provider_reference(order_created: OrderCreatedFactory) -> None:
    payment, _ = _accepted(order_created)
    now = datetime(2025, 1, 1, tzinfo=UTC)

    settled, fact = payment.settle(ChargeSucceeded(charge_id="ch_1"), now=now)

    assert settled.status is PaymentStatus.SUCCEEDED
    assert settled.provider_reference == "ch_1" and settled.updated_at == now
    assert isinstance(fact, PaymentSucceeded)
    assert (fact.payment_id, fact.order_id, fact.amount, fact.provider_reference) == (
        payment.payment_id,
        payment.order_id,
        Decimal("39.98"),
        "ch_1",
    )
    assert payment.status is PaymentStatus.PENDING, "settling returns a new payment"


@pytest.mark.parametrize("reason", ["card_declined", "insufficient_funds", "card_expired", "provider_unavailable"])
def test_decline_settles_as_failed_with_the_reason(
    order_created: OrderCreatedFactory, reason: PaymentFailureReason
) -> None:
    payment, _ = _accepted(order_created)

    settled, fact = payment.settle(ChargeDeclined(reason=reason))

    assert settled.status is PaymentStatus.FAILED and settled.reason_code == reason
    assert isinstance(fact, PaymentFailed) and fact.reason_code == reason
    assert fact.customer_id == payment.customer_id


def test_a_settled_payment_cannot_be_settled_again(order_created: OrderCreatedFactory) -> None:
    payment, _ = _accepted(order_created)
    settled, _ = payment.settle(ChargeSucceeded(charge_id="ch_1"))

    with pytest.raises(PaymentAlreadySettled):
        settled.settle(ChargeDeclined(reason="card_declined"))


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("card_declined", "card_declined"),
        ("insufficient_funds", "insufficient_funds"),
        ("card_expired", "card_expired"),
        ("do_not_honor", "card_declined"),
        (None, "card_declined"),
        (42, "card_declined"),
        ("provider_unavailable", "card_declined"),
    ],
)
def test_decline_codes_map_onto_our_reasons(code: object, reason: str) -> None:
    assert decline_reason(code) == reason
