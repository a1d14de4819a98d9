"""What a customer asks for when placing an order, validated strictly before anything is stored."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator
from shop_shared.contracts import Contact
from shop_shared.contracts.money import check_currency_places

from .money import Currency, parse_money

__all__ = ["MAX_LINES", "MAX_QUANTITY", "OrderLineInput", "PlaceOrder"]

MAX_LINES = 100
MAX_QUANTITY = 1000

UnitPrice = Annotated[Decimal, BeforeValidator(parse_money)]


def _whole_number(value: Any) -> Any:
    # JSON Schema's (and so the OpenAPI document's) integer is any number without a fraction: 2.0 is the integer 2.
    # A string or a boolean stays refused by the strict check that follows.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OrderLineInput(_Strict):
    sku: str = Field(
        min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$", description="Stock keeping unit.", examples=["SKU-1"]
    )
    quantity: Annotated[int, BeforeValidator(_whole_number)] = Field(
        strict=True, ge=1, le=MAX_QUANTITY, description="Units ordered (1 to 1000), a JSON integer.", examples=[2]
    )
    unit_price: UnitPrice = Field(
        description=(
            "Price of one unit in the order currency: a decimal string (preferred) or a JSON number in plain "
            "notation (no exponent such as 1E+3), 0 to 1000000, at most the currency's decimal places "
            "(two; none for JPY and KRW)."
        ),
        examples=["19.99"],
    )


class PlaceOrder(_Strict):
    """The body of `POST /orders`. Prices come from the client, totals are always computed here."""

    customer_id: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="The customer placing the order.",
        examples=["c-123"],
    )
    currency: Currency = Field(
        description="ISO 4217 code of a currency the shop settles in: AUD, CAD, CHF, EUR, GBP, JPY, KRW or USD.",
        examples=["USD"],
    )
    items: list[OrderLineInput] = Field(
        min_length=1,
        max_length=MAX_LINES,
        description="The order lines (1 to 100); at least one with a price above 0.",
        examples=[[{"sku": "SKU-1", "quantity": 2, "unit_price": "19.99"}]],
    )
    payment_token: str = Field(
        min_length=1,
        max_length=128,
        pattern=r"^[A-Za-z0-9_-]+$",
        repr=False,
        description="Opaque token from the payment provider's client-side SDK; never card data.",
        examples=["tok_success"],
    )
    # The shared contract (shop_shared.contracts.Contact): notifications reads what order encrypts.
    contact: Contact = Field(
        description="How to reach the customer about this order.", examples=[{"phone": "+15555550100"}]
    )

    @field_validator("items")
    @classmethod
    def _prices_fit_the_currency(cls, items: list[OrderLineInput], info: ValidationInfo) -> list[OrderLineInput]:
        currency = info.data.get("currency")  # absent when the currency itself was refused
        if currency is not None:
            prices = [((index, "unit_price"), line.unit_price) for index, line in enumerate(items)]
            check_currency_places(cls.__name__, currency, prices)
        if all(line.unit_price == 0 for line in items):
            # Nothing to charge: payment refuses a zero total, so the order is refused here, not after storing it.
            raise ValueError("the order total must be greater than 0: at least one item needs a price")
        return items
