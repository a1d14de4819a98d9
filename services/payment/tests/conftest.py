"""Builders shared by the payment tests: order.created envelopes and the EventBridge events that carry them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from shop_devtools.testing.events import as_eventbridge_event
from shop_shared.contracts import EventEnvelope, OrderCreated, OrderCreatedLine, new_envelope

OrderCreatedFactory = Callable[..., EventEnvelope[OrderCreated]]
SUCCESS_TOKEN = "tok_success"
EventFactory = Callable[[EventEnvelope[Any]], dict[str, Any]]


@pytest.fixture
def order_created() -> OrderCreatedFactory:
    def build(token: str = SUCCESS_TOKEN, *, total: str = "39.98") -> EventEnvelope[OrderCreated]:
        order = OrderCreated(
            order_id=f"ord-{uuid.uuid4()}",
            customer_id=f"cus-{uuid.uuid4()}",
            currency="USD",
            total=Decimal(total),
            items=(OrderCreatedLine(sku="SKU-1", quantity=2, unit_price=Decimal(total) / 2),),
            payment_token=token,
            contact_ciphertext="Y2lwaGVydGV4dA==",
        )
        return new_envelope(order, correlation_id=f"corr-{uuid.uuid4()}")

    return build


@pytest.fixture
def eventbridge_event() -> EventFactory:
    """The whole event as an EventBridge API destination POSTs it."""
    return as_eventbridge_event
