"""Events the order service publishes."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from .envelope import IntegrationEvent
from .sources import ORDER_SOURCE

__all__ = ["OrderCreated", "OrderCreatedLine"]


class OrderCreatedLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    sku: str
    quantity: int = Field(ge=1)
    unit_price: Decimal


class OrderCreated(IntegrationEvent):
    """An order was stored and awaits payment. Carries a payment token and encrypted contact only."""

    event_type: ClassVar[str] = "order.created"
    event_version: ClassVar[int] = 1
    source: ClassVar[str] = ORDER_SOURCE

    order_id: str
    customer_id: str
    currency: str = Field(min_length=3, max_length=3)
    total: Decimal
    items: tuple[OrderCreatedLine, ...]
    payment_token: str = Field(description="An opaque token from the payment provider, never card data.")
    contact_ciphertext: str = Field(
        description="The customer's contact (phone or e-mail), encrypted with the contact KMS key."
    )
