"""Events the order service publishes."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .envelope import IntegrationEvent
from .money import Currency, NonNegativeAmount, PositiveAmount, check_currency_places
from .sources import ORDER_SOURCE

__all__ = ["OrderCreated", "OrderCreatedLine"]


class OrderCreatedLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    sku: str
    quantity: int = Field(ge=1)
    unit_price: NonNegativeAmount


class OrderCreated(IntegrationEvent):
    """An order was stored and awaits payment. Carries a payment token and encrypted contact only."""

    event_type: ClassVar[str] = "order.created"
    event_version: ClassVar[int] = 1
    source: ClassVar[str] = ORDER_SOURCE

    order_id: str
    customer_id: str
    currency: Currency
    total: PositiveAmount = Field(description="Sum of the lines, in the currency's minor unit at most.")
    items: tuple[OrderCreatedLine, ...]
    payment_token: str = Field(description="An opaque token from the payment provider, never card data.")
    contact_ciphertext: str = Field(
        description="The customer's contact (phone or e-mail), encrypted with the contact KMS key."
    )

    @model_validator(mode="after")
    def _amounts_fit_the_currency(self) -> Self:
        amounts: list[tuple[tuple[str | int, ...], Decimal]] = [(("total",), self.total)]
        amounts += [(("items", index, "unit_price"), line.unit_price) for index, line in enumerate(self.items)]
        check_currency_places(type(self).__name__, self.currency, amounts)
        return self
