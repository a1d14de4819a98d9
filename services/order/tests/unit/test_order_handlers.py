"""Handlers with in-memory fakes: placing an order (outbox before publish) and recording payment outcomes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from shop_order.domain import Order, OrderStatus, PaymentOutcomeAssessment, PlaceOrder, StoredResponse
from shop_order.exceptions import DependencyUnavailable, OrderNotFound
from shop_order.handlers import place_order, record_payment_outcome
from shop_shared.contracts import EventEnvelope, OrderCreated, PaymentFailed, PaymentSucceeded, new_envelope

from tests.fakes.order_rate_limits import default_rate_limiting

if TYPE_CHECKING:
    from conftest import InMemoryOrderRepository, RecordingPublisher, ReversibleContactEncryption

T0 = datetime(2025, 11, 28, 9, 30, tzinfo=UTC)
T1 = datetime(2025, 11, 28, 9, 31, tzinfo=UTC)


async def place(
    body: dict[str, Any],
    repository: InMemoryOrderRepository,
    encryption: ReversibleContactEncryption,
    publisher: RecordingPublisher,
    correlation_id: str | None = None,
) -> Order:
    placed = await place_order(
        PlaceOrder.model_validate(body),
        repository=repository,
        contact_encryption=encryption,
        render=lambda order: StoredResponse(status=201, body=order.model_dump_json()),
        rate_limiting=default_rate_limiting(),
        correlation_id=correlation_id,
        clock=lambda: T0,
    )
    assert not placed.replayed
    assert Order.model_validate_json(placed.response.body) == repository.orders[placed.order_id]
    return repository.orders[placed.order_id]


def outcome(event_type: str, order: Order, *, event_id: uuid.UUID | None = None) -> EventEnvelope[Any]:
    common = {"payment_id": "p-1", "order_id": order.order_id, "customer_id": order.customer_id}
    common |= {"amount": order.total, "currency": order.currency}
    data: PaymentSucceeded | PaymentFailed
    if event_type == "payment.succeeded":
        data = PaymentSucceeded(**common, provider_reference="ref-1")
    else:
        data = PaymentFailed(**common, reason_code="card_declined")
    return new_envelope(data, correlation_id=order.order_id, event_id=event_id)


async def test_place_order_stores_order_and_event_together_then_publishes(
    order_body: dict[str, Any],
    repository: InMemoryOrderRepository,
    encryption: ReversibleContactEncryption,
    publisher: RecordingPublisher,
) -> None:
    order = await place(order_body, repository, encryption, publisher)

    assert uuid.UUID(order.order_id).version == 4
    assert repository.orders == {order.order_id: order}
    [stored_event] = repository.outbox.values()
    assert publisher.published == [stored_event]
    event = stored_event.data
    assert isinstance(event, OrderCreated)
    assert stored_event.metadata.correlation_id == order.order_id
    assert order.created_event_id == stored_event.metadata.event_id  # the order keeps the id payment's derives from
    assert (event.order_id, event.customer_id, event.currency, event.total) == (
        order.order_id,
        "c-123",
        "USD",
        Decimal("44.98"),
    )
    assert [(line.sku, line.quantity, line.unit_price) for line in event.items] == [
        ("SKU-1", 2, Decimal("19.99")),
        ("SKU-2", 1, Decimal("5.00")),
    ]
    assert event.payment_token == "tok_success"


async def test_contact_travels_only_encrypted_and_bound_to_the_customer(
    order_body: dict[str, Any],
    repository: InMemoryOrderRepository,
    encryption: ReversibleContactEncryption,
    publisher: RecordingPublisher,
) -> None:
    order = await place(order_body, repository, encryption, publisher)

    [envelope] = publisher.published
    assert "+15555550100" not in envelope.model_dump_json()
    assert envelope.data.contact_ciphertext == order.contact_ciphertext
    assert encryption.decrypt(order.contact_ciphertext) == {
        "customer_id": "c-123",
        "contact": {"phone": "+15555550100"},
    }


async def test_caller_correlation_id_is_kept(
    order_body: dict[str, Any],
    repository: InMemoryOrderRepository,
    encryption: ReversibleContactEncryption,
    publisher: RecordingPublisher,
) -> None:
    await place(order_body, repository, encryption, publisher, correlation_id="checkout-42")

    assert publisher.published[0].metadata.correlation_id == "checkout-42"


@pytest.mark.parametrize("failing", ["encryption", "repository"])
async def test_failing_dependency_stores_and_publishes_nothing(
    order_body: dict[str, Any],
    repository: InMemoryOrderRepository,
    encryption: ReversibleContactEncryption,
    publisher: RecordingPublisher,
    failing: str,
) -> None:
    (encryption if failing == "encryption" else repository).unavailable = True

    with pytest.raises(DependencyUnavailable):
        await place(order_body, repository, encryption, publisher)

    assert repository.orders == {} and repository.outbox == {} and publisher.published == []


@pytest.mark.parametrize(
    ("event_type", "status"),
    [("payment.succeeded", OrderStatus.PAID), ("payment.failed", OrderStatus.PAYMENT_FAILED)],
)
async def test_payment_outcome_settles_a_pending_order(
    order_body: dict[str, Any],
    repository: InMemoryOrderRepository,
    encryption: ReversibleContactEncryption,
    publisher: RecordingPublisher,
    event_type: str,
    status: OrderStatus,
) -> None:
    order = await place(order_body, repository, encryption, publisher)

    result = await record_payment_outcome(outcome(event_type, order), repository=repository, clock=lambda: T1)

    assert result is PaymentOutcomeAssessment.APPLY
    stored = repository.orders[order.order_id]
    assert stored.status is status and stored.updated_at == T1
    assert [(change.status, change.at) for change in stored.status_history] == [
        (OrderStatus.PENDING_PAYMENT, T0),
        (status, T1),
    ]


async def test_replayed_outcome_changes_nothing(
    order_body: dict[str, Any],
    repository: InMemoryOrderRepository,
    encryption: ReversibleContactEncryption,
    publisher: RecordingPublisher,
) -> None:
    order = await place(order_body, repository, encryption, publisher)
    envelope = outcome("payment.succeeded", order)
    await record_payment_outcome(envelope, repository=repository, clock=lambda: T1)
    settled = repository.orders[order.order_id]

    result = await record_payment_outcome(envelope, repository=repository, clock=lambda: T1.replace(minute=45))

    assert result is PaymentOutcomeAssessment.DUPLICATE
    assert repository.orders[order.order_id] == settled


async def test_conflicting_outcome_is_ignored_without_raising(
    order_body: dict[str, Any],
    repository: InMemoryOrderRepository,
    encryption: ReversibleContactEncryption,
    publisher: RecordingPublisher,
    caplog: pytest.LogCaptureFixture,
) -> None:
    order = await place(order_body, repository, encryption, publisher)
    await record_payment_outcome(outcome("payment.failed", order), repository=repository, clock=lambda: T1)
    settled = repository.orders[order.order_id]

    result = await record_payment_outcome(outcome("payment.succeeded", order), repository=repository)

    assert result is PaymentOutcomeAssessment.CONFLICT
    assert repository.orders[order.order_id] == settled
    assert "conflicting payment outcome ignored" in caplog.messages


async def test_outcome_losing_a_race_is_judged_against_the_winner(
    order_body: dict[str, Any],
    repository: InMemoryOrderRepository,
    encryption: ReversibleContactEncryption,
    publisher: RecordingPublisher,
) -> None:
    order = await place(order_body, repository, encryption, publisher)
    envelope = outcome("payment.succeeded", order)

    async def concurrent_delivery_wins() -> None:
        repository.before_status_write = None
        repository.orders[order.order_id] = order.record_payment_outcome(OrderStatus.PAID, T0)

    repository.before_status_write = concurrent_delivery_wins

    result = await record_payment_outcome(envelope, repository=repository, clock=lambda: T1)

    assert result is PaymentOutcomeAssessment.DUPLICATE
    assert len(repository.orders[order.order_id].status_history) == 2


async def test_outcome_for_unknown_order_raises_for_redelivery(repository: InMemoryOrderRepository) -> None:
    stranger = outcome("payment.succeeded", _order_stub())

    with pytest.raises(OrderNotFound):
        await record_payment_outcome(stranger, repository=repository)


def _order_stub() -> Order:
    body = {
        "customer_id": "c-9",
        "currency": "EUR",
        "items": [{"sku": "S", "quantity": 1, "unit_price": "1.00"}],
        "payment_token": "tok",
        "contact": {"email": "jane@example.com"},
    }
    return Order.place(
        PlaceOrder.model_validate(body),
        order_id=str(uuid.uuid4()),
        created_event_id=uuid.uuid4(),
        contact_ciphertext="x",
        at=T0,
    )
