"""Property-based tests of order validation and money arithmetic (hypothesis)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from shop_order.domain import MAX_LINES, MAX_QUANTITY, Order, PlaceOrder, parse_money, to_minor_units

PROPERTIES = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
T0 = datetime(2025, 11, 28, 9, 30, tzinfo=UTC)
MAX_CENTS = 100_000_000  # 1,000,000.00

cents = st.integers(min_value=0, max_value=MAX_CENTS)
positive_cents = st.integers(min_value=1, max_value=MAX_CENTS)
quantities = st.integers(min_value=1, max_value=MAX_QUANTITY)


def as_price(amount_cents: int, form: str) -> Any:
    """A price of `amount_cents` as a client may send it: "19.99", "19.9", "20", 19.99 or 20."""
    amount = Decimal(amount_cents) / 100
    if form == "string":
        return str(amount.quantize(Decimal("0.01")))
    if form == "short string":
        return format(amount.normalize(), "f")
    return int(amount) if amount == amount.to_integral_value() else float(amount)


price_forms = st.sampled_from(["string", "short string", "number"])
lines = st.tuples(st.text("ABCXYZ0123456789-._", min_size=1, max_size=64), quantities, cents, price_forms)


def body(items: list[dict[str, Any]], currency: str = "USD") -> dict[str, Any]:
    return {
        "customer_id": "c-1",
        "currency": currency,
        "items": items,
        "payment_token": "tok_success",
        "contact": {"email": "jane@example.com"},
    }


def line(quantity: Any = 1, unit_price: Any = "1.00") -> dict[str, Any]:
    return {"sku": "SKU-1", "quantity": quantity, "unit_price": unit_price}


def rejected_at(payload: dict[str, Any]) -> set[tuple[Any, ...]]:
    with pytest.raises(ValidationError) as caught:
        PlaceOrder.model_validate(payload)
    return {error["loc"] for error in caught.value.errors()}


@PROPERTIES
@given(
    st.lists(lines, min_size=1, max_size=MAX_LINES),
    st.sampled_from(["USD", "EUR", "GBP", "CAD", "AUD", "CHF"]),
)
def test_any_valid_order_is_accepted_with_the_exact_total(
    generated: list[tuple[str, int, int, str]], currency: str
) -> None:
    assume(any(price for _, _, price, _ in generated))  # an order of free items only is refused (nothing to pay)
    items = [
        {"sku": sku, "quantity": quantity, "unit_price": as_price(price, form)}
        for sku, quantity, price, form in generated
    ]

    order = Order.place(
        PlaceOrder.model_validate(body(items, currency)),
        order_id="o",
        created_event_id=uuid.uuid4(),
        contact_ciphertext="x",
        at=T0,
    )

    exact = sum((Decimal(quantity) * Decimal(price) / 100 for _, quantity, price, _ in generated), Decimal(0))
    assert order.total == exact.quantize(Decimal("0.01"))
    assert order.total == sum((item.line_total for item in order.items), Decimal(0))
    assert order.total.as_tuple().exponent == -2
    assert all(item.unit_price.as_tuple().exponent == -2 for item in order.items)
    # In integer cents nothing can be lost: the total is the cent-exact sum of quantity x price.
    assert int(order.total * 100) == sum(quantity * price for _, quantity, price, _ in generated)


@PROPERTIES
@given(cents, st.integers(min_value=1, max_value=9), st.integers(min_value=1, max_value=6))
def test_price_with_more_than_two_places_is_rejected(amount_cents: int, last_digit: int, extra_places: int) -> None:
    # The amount plus a non-zero digit at the 3rd..8th place: never a whole number of cents.
    price = Decimal(amount_cents) / 100 + Decimal(last_digit) / Decimal(10) ** (2 + extra_places)
    for form in (format(price, "f"), float(price)):
        assert ("items", 0, "unit_price") in rejected_at(body([line(unit_price=form)]))


@PROPERTIES
@given(st.integers(min_value=1, max_value=MAX_CENTS * 10), price_forms)
def test_negative_price_is_rejected(amount_cents: int, form: str) -> None:
    price = as_price(amount_cents, form)
    negative = f"-{price}" if isinstance(price, str) else -price

    assert ("items", 0, "unit_price") in rejected_at(body([line(unit_price=negative)]))


@PROPERTIES
@given(st.one_of(st.integers(max_value=0), st.integers(min_value=MAX_QUANTITY + 1)))
def test_quantity_outside_1_to_1000_is_rejected(quantity: int) -> None:
    assert ("items", 0, "quantity") in rejected_at(body([line(quantity=quantity)]))


@PROPERTIES
@given(st.one_of(st.just(0), st.integers(min_value=MAX_LINES + 1, max_value=MAX_LINES + 50)))
def test_line_count_outside_1_to_100_is_rejected(count: int) -> None:
    assert ("items",) in rejected_at(body([line()] * count))


@PROPERTIES
@given(positive_cents, quantities)
def test_string_and_number_prices_give_the_same_totals(amount_cents: int, quantity: int) -> None:
    totals = set()
    for form in ("string", "short string", "number"):
        command = PlaceOrder.model_validate(body([line(quantity, as_price(amount_cents, form))]))
        totals.add(
            Order.place(command, order_id="o", created_event_id=uuid.uuid4(), contact_ciphertext="x", at=T0).total
        )

    assert totals == {Decimal(amount_cents * quantity) / 100}


@PROPERTIES
@given(cents)
def test_parsing_a_two_place_amount_is_exact_and_idempotent(amount_cents: int) -> None:
    amount = Decimal(amount_cents) / 100

    parsed = parse_money(str(amount))

    assert parsed == amount and parsed.as_tuple().exponent == -2
    assert parse_money(parsed) == parsed == to_minor_units(parsed, "USD")
