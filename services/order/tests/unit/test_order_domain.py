"""The order domain: request validation, totals and the payment status rules."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError
from shop_order.domain import SETTLEMENT_CURRENCIES, Order, OrderStatus, PaymentOutcomeAssessment, PlaceOrder
from shop_order.exceptions import InvalidStatusTransition
from shop_shared.contracts import MINOR_UNITS, SUPPORTED_CURRENCIES

T0 = datetime(2025, 11, 28, 9, 30, tzinfo=UTC)


def with_changes(body: dict[str, Any], **changes: Any) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    changed.update(changes)
    return changed


def line(**overrides: Any) -> dict[str, Any]:
    return {"sku": "SKU-1", "quantity": 1, "unit_price": "1.00", **overrides}


def error_fields(body: dict[str, Any]) -> list[tuple[Any, ...]]:
    with pytest.raises(ValidationError) as caught:
        PlaceOrder.model_validate(body)
    return [error["loc"] for error in caught.value.errors()]


def placed(body: dict[str, Any]) -> Order:
    return Order.place(
        PlaceOrder.model_validate(body),
        order_id="o-1",
        created_event_id=uuid.uuid4(),
        contact_ciphertext="c2VhbGVk",
        at=T0,
    )


def test_totals_are_computed_from_quantities_and_unit_prices(order_body: dict[str, Any]) -> None:
    order = placed(order_body)

    assert [(item.unit_price, item.line_total) for item in order.items] == [
        (Decimal("19.99"), Decimal("39.98")),
        (Decimal("5.00"), Decimal("5.00")),
    ]
    assert order.total == Decimal("44.98")
    assert str(order.total) == "44.98"
    assert order.status is OrderStatus.PENDING_PAYMENT
    assert [(change.status, change.at) for change in order.status_history] == [(OrderStatus.PENDING_PAYMENT, T0)]
    assert order.created_at == order.updated_at == T0


def test_largest_order_is_exact(order_body: dict[str, Any]) -> None:
    body = with_changes(
        order_body, items=[line(sku=f"S{i}", quantity=1000, unit_price="1000000.00") for i in range(100)]
    )

    assert placed(body).total == Decimal("100000000000.00")


def test_zero_price_and_number_prices_are_accepted(order_body: dict[str, Any]) -> None:
    body = with_changes(
        order_body, items=[line(unit_price=0), line(unit_price=19.99, quantity=3), line(unit_price="7")]
    )

    order = placed(body)

    assert [str(item.line_total) for item in order.items] == ["0.00", "59.97", "7.00"]
    assert str(order.total) == "66.97"


def test_a_quantity_written_as_a_whole_json_number_is_that_integer(order_body: dict[str, Any]) -> None:
    # JSON Schema calls 3.0 an integer, and the OpenAPI document says integer.
    order = placed(with_changes(order_body, items=[line(quantity=3.0)]))

    assert order.items[0].quantity == 3
    assert isinstance(order.items[0].quantity, int)


@pytest.mark.parametrize("count", [1, 100])
def test_line_count_bounds_are_accepted(order_body: dict[str, Any], count: int) -> None:
    assert len(placed(with_changes(order_body, items=[line()] * count)).items) == count


@pytest.mark.parametrize(
    ("items", "field"),
    [
        ([], ("items",)),
        ([line()] * 101, ("items",)),
        ([line(quantity=0)], ("items", 0, "quantity")),
        ([line(quantity=1001)], ("items", 0, "quantity")),
        ([line(quantity="2")], ("items", 0, "quantity")),
        ([line(quantity=2.5)], ("items", 0, "quantity")),
        ([line(quantity=True)], ("items", 0, "quantity")),
        ([line(unit_price="19.999")], ("items", 0, "unit_price")),
        ([line(unit_price=0.1 + 0.2)], ("items", 0, "unit_price")),
        ([line(unit_price="-0.01")], ("items", 0, "unit_price")),
        ([line(unit_price=-5)], ("items", 0, "unit_price")),
        ([line(unit_price="1000000.01")], ("items", 0, "unit_price")),
        ([line(unit_price="1e3")], ("items", 0, "unit_price")),
        ([line(unit_price="NaN")], ("items", 0, "unit_price")),
        ([line(unit_price=None)], ("items", 0, "unit_price")),
        ([line(sku="")], ("items", 0, "sku")),
        ([line(sku="a b")], ("items", 0, "sku")),
        ([line(sku="S" * 65)], ("items", 0, "sku")),
        ([{**line(), "discount": "1.00"}], ("items", 0, "discount")),
    ],
)
def test_invalid_lines_are_rejected(order_body: dict[str, Any], items: list[Any], field: tuple[Any, ...]) -> None:
    assert field in error_fields(with_changes(order_body, items=items))


@pytest.mark.parametrize("currency", ["usd", "SEK", "XXX", "", "EURO"])
def test_unknown_currency_is_rejected(order_body: dict[str, Any], currency: str) -> None:
    assert ("currency",) in error_fields(with_changes(order_body, currency=currency))


def test_every_settlement_currency_is_accepted(order_body: dict[str, Any]) -> None:
    # The shop's one list (shop_shared.contracts.money), not a copy of it.
    assert SETTLEMENT_CURRENCIES is SUPPORTED_CURRENCIES
    assert {"USD", "EUR", "GBP", "CAD", "AUD", "CHF", "JPY", "KRW"} <= SETTLEMENT_CURRENCIES
    whole_prices = with_changes(order_body, items=[line(unit_price="19", quantity=2), line(unit_price=5)])
    for currency in SETTLEMENT_CURRENCIES:
        assert placed(with_changes(whole_prices, currency=currency)).currency == currency


@pytest.mark.parametrize(
    ("currency", "price", "accepted"),
    [
        ("USD", "19.99", True),
        ("USD", "19.9", True),
        ("USD", "19.990", True),  # the value has two places; it is stored as 19.99
        ("USD", "19.999", False),
        ("EUR", "0.01", True),
        ("GBP", "0.001", False),
        ("CHF", "7", True),
        ("JPY", "1999", True),
        ("JPY", "1999.00", True),  # a whole number of yen, however written
        ("JPY", "1999.5", False),
        ("KRW", "0.1", False),
        ("KRW", "50000", True),
    ],
)
def test_unit_price_has_at_most_the_currencys_decimal_places(
    order_body: dict[str, Any], currency: str, price: str, accepted: bool
) -> None:
    body = with_changes(order_body, currency=currency, items=[line(unit_price=price, quantity=3)])

    if accepted:
        order = placed(body)
        places = MINOR_UNITS[currency]
        assert order.items[0].unit_price == Decimal(price)
        assert all(-amount.as_tuple().exponent == places for amount in (order.total, order.items[0].unit_price))
    else:
        assert ("items", 0, "unit_price") in error_fields(body)


def test_an_order_of_free_items_only_is_refused(order_body: dict[str, Any]) -> None:
    assert ("items",) in error_fields(with_changes(order_body, items=[line(unit_price="0"), line(unit_price=0)]))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"customer_id": ""}, ("customer_id",)),
        ({"customer_id": "c" * 65}, ("customer_id",)),
        ({"customer_id": "c 1"}, ("customer_id",)),
        ({"payment_token": ""}, ("payment_token",)),
        ({"payment_token": "t" * 129}, ("payment_token",)),
        ({"payment_token": "tok.1"}, ("payment_token",)),
        ({"total": "1.00"}, ("total",)),
        ({"order_id": "mine"}, ("order_id",)),
    ],
)
def test_invalid_order_fields_are_rejected(
    order_body: dict[str, Any], changes: dict[str, Any], field: tuple[Any, ...]
) -> None:
    assert field in error_fields(with_changes(order_body, **changes))


@pytest.mark.parametrize(
    "contact",
    [
        {},
        {"phone": "+15555550100", "email": "jane@example.com"},
        {"phone": None, "email": None},
        {"phone": "5555550100"},
        {"phone": "+05555550100"},
        {"phone": "+1555"},
        {"phone": "+1234567890123456"},
        {"email": "jane@"},
        {"email": "jane@localhost"},
        {"email": "jane..doe@example.com"},
        {"email": "jane@example.com\n"},
        {"email": f"{'j' * 65}@example.com"},
        {"fax": "+15555550100"},
    ],
)
def test_contact_needs_exactly_one_valid_phone_or_email(order_body: dict[str, Any], contact: dict[str, Any]) -> None:
    fields = error_fields(with_changes(order_body, contact=contact))

    assert fields and all(field[0] == "contact" for field in fields)


@pytest.mark.parametrize(
    ("contact", "plaintext"),
    [
        ({"phone": "+15555550100"}, '{"phone":"+15555550100"}'),
        ({"email": "jane.doe+shop@mail.example.com"}, '{"email":"jane.doe+shop@mail.example.com"}'),
    ],
)
def test_contact_plaintext_holds_only_the_given_channel(
    order_body: dict[str, Any], contact: dict[str, Any], plaintext: str
) -> None:
    command = PlaceOrder.model_validate(with_changes(order_body, contact=contact))

    assert command.contact.to_plaintext() == plaintext.encode()
    assert "5555550100" not in repr(command) and "jane" not in repr(command.contact)


@pytest.mark.parametrize("outcome", [OrderStatus.PAID, OrderStatus.PAYMENT_FAILED])
def test_pending_order_takes_a_payment_outcome(order_body: dict[str, Any], outcome: OrderStatus) -> None:
    order = placed(order_body)
    later = T0 + timedelta(seconds=3)

    assert order.assess_payment_outcome(outcome) is PaymentOutcomeAssessment.APPLY
    settled = order.record_payment_outcome(outcome, later)

    assert settled.status is outcome
    assert settled.updated_at == later and settled.created_at == T0
    assert [change.status for change in settled.status_history] == [OrderStatus.PENDING_PAYMENT, outcome]
    assert order.status is OrderStatus.PENDING_PAYMENT  # the original is unchanged


@pytest.mark.parametrize(
    ("first", "second", "assessment"),
    [
        (OrderStatus.PAID, OrderStatus.PAID, PaymentOutcomeAssessment.DUPLICATE),
        (OrderStatus.PAYMENT_FAILED, OrderStatus.PAYMENT_FAILED, PaymentOutcomeAssessment.DUPLICATE),
        (OrderStatus.PAID, OrderStatus.PAYMENT_FAILED, PaymentOutcomeAssessment.CONFLICT),
        (OrderStatus.PAYMENT_FAILED, OrderStatus.PAID, PaymentOutcomeAssessment.CONFLICT),
    ],
)
def test_settled_order_never_changes_status(
    order_body: dict[str, Any], first: OrderStatus, second: OrderStatus, assessment: PaymentOutcomeAssessment
) -> None:
    settled = placed(order_body).record_payment_outcome(first, T0)

    assert settled.assess_payment_outcome(second) is assessment
    with pytest.raises(InvalidStatusTransition):
        settled.record_payment_outcome(second, T0)


def test_pending_is_not_a_payment_outcome(order_body: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="not a payment outcome"):
        placed(order_body).assess_payment_outcome(OrderStatus.PENDING_PAYMENT)
