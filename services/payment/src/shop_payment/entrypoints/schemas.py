"""Bodies of the payment API: the event it is delivered (as documented) and its answers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel
from shop_shared.contracts import (
    Currency,
    OrderCreated,
    OrderCreatedLine,
    PaymentFailureReason,
    PlainDecimal,
    new_envelope,
)

from shop_payment.domain import Payment, PaymentStatus

__all__ = ["ORDER_CREATED_DELIVERY", "AcceptedResponse", "PaymentView"]


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


def _example_event() -> dict[str, Any]:
    data = OrderCreated(
        order_id="3f0c2a4e-8b7d-4c1e-9a55-2d6f0e1b7c90",
        customer_id="c-123",
        currency="USD",
        total=Decimal("39.98"),
        items=(OrderCreatedLine(sku="SKU-1", quantity=2, unit_price=Decimal("19.99")),),
        payment_token="tok_success",  # noqa: S106  (the simulated provider's approving test token)
        contact_ciphertext="AQICAHh...",
    )
    envelope = new_envelope(
        data,
        correlation_id=data.order_id,
        event_id=uuid.UUID("0d9b2c5e-6a47-4f0e-8c1b-2f3a4d5e6f70"),
        occurred_at=datetime(2025, 11, 28, 9, 30, tzinfo=UTC),
    )
    return {
        "version": "0",
        "id": "7bf73129-1428-4cd3-a780-95db273d1602",
        "detail-type": OrderCreated.event_type,
        "source": OrderCreated.source,
        "account": "123456789012",
        "time": "2025-11-28T09:30:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": envelope.to_detail(),
    }


# Only the event's frame is described here: its `detail` is validated by the order.created v1 contract
# (shop_shared.contracts), whose lenient parsing (numbers as strings, timestamps as numbers) no schema would state
# exactly. A detail the contract refuses is 422 `invalid_event` (or `unsupported_event_type`).
ORDER_CREATED_DELIVERY: dict[str, Any] = {
    "required": True,
    "description": (
        "An EventBridge event as the API destination delivers it: `detail-type` `order.created` and, in `detail`, "
        "an order.created v1 envelope (`metadata`, `data`) as defined by the shared contract."
    ),
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["detail-type", "detail"],
                "properties": {
                    "detail-type": {"const": OrderCreated.event_type},
                    "detail": {
                        "type": "object",
                        "required": ["metadata", "data"],
                        "properties": {"metadata": {"type": "object"}, "data": {"type": "object"}},
                    },
                },
            },
            "examples": {"order_created": {"summary": "An order.created v1 event", "value": _example_event()}},
        }
    },
}
