"""Fixtures of the loyalty unit tests: order.created and payment.failed envelope factories, loyalty in memory."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from shop_shared.contracts import EventEnvelope, OrderCreated, OrderCreatedLine, PaymentFailed, new_envelope

from tests.fakes.loyalty import InMemoryLoyalty

OrderEvent = Callable[..., EventEnvelope[Any]]


@pytest.fixture
def order_created() -> OrderEvent:
    def build(
        *,
        customer_id: str = "customer-1",
        total: str = "120.50",
        order_id: str | None = None,
        at: datetime | None = None,
    ) -> EventEnvelope[Any]:
        order = OrderCreated(
            order_id=order_id or f"order-{uuid.uuid4()}",
            customer_id=customer_id,
            currency="EUR",
            total=Decimal(total),
            items=(OrderCreatedLine(sku="SKU-1", quantity=1, unit_price=Decimal(total)),),
            payment_token="tok_test",
            contact_ciphertext="Y2lwaGVy",
        )
        return new_envelope(order, correlation_id=order.order_id, occurred_at=at or datetime(2025, 3, 14, tzinfo=UTC))

    return build


@pytest.fixture
def payment_failed() -> Callable[..., EventEnvelope[Any]]:
    """The `payment.failed` of an order (an `order_created` envelope), a few seconds after it by default."""

    def build(order: EventEnvelope[Any], *, at: datetime | None = None) -> EventEnvelope[Any]:
        failure = PaymentFailed(
            payment_id=f"pay-{uuid.uuid4()}",
            order_id=order.data.order_id,
            customer_id=order.data.customer_id,
            amount=order.data.total,
            currency=order.data.currency,
            reason_code="card_declined",
        )
        return new_envelope(failure, correlation_id=order.data.order_id, occurred_at=at or order.metadata.occurred_at)

    return build


@pytest.fixture
def loyalty() -> InMemoryLoyalty:
    return InMemoryLoyalty()
