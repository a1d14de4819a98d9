"""The envelope and the contract registry: what consumers accept and what they reject."""

import json
import uuid
from decimal import Decimal

import pytest
from pydantic import ValidationError
from shop_shared.contracts import (
    EVENT_MODELS,
    MINOR_UNITS,
    SUPPORTED_CURRENCIES,
    InvalidEvent,
    OrderCreated,
    OrderCreatedLine,
    PaymentFailed,
    PaymentRefunded,
    PaymentSucceeded,
    UnknownEventType,
    new_envelope,
    parse_envelope,
)
from shop_shared.messaging import envelope_from_eventbridge_event, envelope_from_sqs_body


def order_created() -> OrderCreated:
    return OrderCreated(
        order_id="o-1",
        customer_id="c-1",
        currency="USD",
        total=Decimal("39.98"),
        items=(OrderCreatedLine(sku="SKU-1", quantity=2, unit_price=Decimal("19.99")),),
        payment_token="tok_success",
        contact_ciphertext="Y2lwaGVy",
    )


def eventbridge_event(detail: dict, detail_type: str = "order.created") -> dict:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": "shop.order",
        "detail": detail,
    }


def test_envelope_round_trips_through_json_with_metadata_apart_from_data() -> None:
    envelope = new_envelope(order_created(), correlation_id="corr-1")
    detail = json.loads(json.dumps(envelope.to_detail()))
    assert set(detail) == {"metadata", "data"}
    assert detail["data"]["total"] == "39.98"  # money travels as a decimal string, never a float
    parsed = parse_envelope(detail)
    assert parsed == envelope
    assert parsed.metadata.event_type == "order.created"
    assert parsed.metadata.event_version == 1
    assert parsed.metadata.source == "shop.order"


def test_deterministic_event_id_is_kept() -> None:
    event_id = uuid.uuid5(uuid.NAMESPACE_URL, "c-1:2026-11")
    assert new_envelope(order_created(), correlation_id="c", event_id=event_id).metadata.event_id == event_id


def test_unknown_type_or_version_is_rejected_as_unknown() -> None:
    detail = new_envelope(order_created(), correlation_id="c").to_detail()
    detail["metadata"]["event_version"] = 99
    with pytest.raises(UnknownEventType):
        parse_envelope(detail)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["data"].pop("order_id"),
        lambda d: d["data"].update(card_number="4242424242424242"),  # unknown fields are refused
        lambda d: d["metadata"].update(occurred_at="2026-11-23T10:00:00"),  # naive times are refused
        lambda d: d.update(extra=1),
    ],
)
def test_invalid_envelopes_are_rejected(mutate) -> None:
    detail = new_envelope(order_created(), correlation_id="c").to_detail()
    mutate(detail)
    with pytest.raises(InvalidEvent):
        parse_envelope(detail)


def test_eventbridge_detail_type_must_match_the_envelope() -> None:
    detail = new_envelope(order_created(), correlation_id="c").to_detail()
    assert envelope_from_eventbridge_event(eventbridge_event(detail)).data.order_id == "o-1"
    with pytest.raises(InvalidEvent, match="does not match"):
        envelope_from_eventbridge_event(eventbridge_event(detail, detail_type="payment.failed"))


@pytest.mark.parametrize("body", ["not json", "[]", json.dumps({"detail-type": "order.created"})])
def test_unreadable_sqs_bodies_are_invalid_events(body: str) -> None:
    with pytest.raises(InvalidEvent):
        envelope_from_sqs_body(body)


def test_every_registered_contract_is_past_tense_and_sourced() -> None:
    for (event_type, version), model in EVENT_MODELS.items():
        assert version >= 1
        assert event_type.split(".")[-1].endswith(("ed", "changed"))
        assert model.source.startswith("shop.")
    assert EVENT_MODELS[("payment.failed", 1)] is PaymentFailed


# --- money: what every event that carries an amount promises its consumers ---------------------------

PAYMENT_FACTS = {"payment_id": "p-1", "order_id": "o-1", "customer_id": "c-1"}


def order_created_with(currency: str, total: object, unit_price: object = "0") -> OrderCreated:
    line = {"sku": "SKU-1", "quantity": 1, "unit_price": unit_price}
    return OrderCreated.model_validate(
        {**order_created().model_dump(), "currency": currency, "total": total, "items": (line,)}
    )


def payment_events(currency: str, amount: object) -> list[object]:
    """Every payment event that carries money, built with `amount` (each must accept or refuse it alike)."""
    return [
        lambda: PaymentSucceeded(**PAYMENT_FACTS, amount=amount, currency=currency, provider_reference="ch_1"),
        lambda: PaymentFailed(**PAYMENT_FACTS, amount=amount, currency=currency, reason_code="card_declined"),
        lambda: PaymentRefunded(
            **PAYMENT_FACTS,
            amount=amount,
            currency=currency,
            provider_reference="ch_1",
            refund_reference="re_1",
            reason_code="late_charge_after_failure",
        ),
    ]


def test_every_supported_currency_has_its_iso_minor_units() -> None:
    assert set(MINOR_UNITS) == SUPPORTED_CURRENCIES
    assert {"USD", "EUR", "GBP", "CAD", "AUD", "CHF", "JPY", "KRW"} <= SUPPORTED_CURRENCIES
    assert [MINOR_UNITS[code] for code in ("USD", "EUR", "GBP", "CAD", "AUD", "CHF")] == [2] * 6
    assert (MINOR_UNITS["JPY"], MINOR_UNITS["KRW"]) == (0, 0)


VALID_AMOUNTS = [
    ("USD", "39.98"),
    ("USD", "0.01"),
    ("USD", "40"),
    ("USD", "40.5"),
    ("EUR", "100000000000.00"),
    ("GBP", 19),
    ("CHF", Decimal("19.99")),
    ("CAD", "19.990"),  # two places in value, however many are written
    ("AUD", 19.99),  # a JSON number that is exactly a two-place amount
    ("JPY", "1999"),
    ("JPY", 1999),
    ("JPY", "1999.00"),
    ("KRW", "50000"),
]
INVALID_AMOUNTS = [
    ("USD", "0", "greater than 0"),
    ("USD", "0.00", "greater than 0"),
    ("USD", "-0.01", "greater than 0"),
    ("USD", "-5", "greater than 0"),
    ("USD", "19.999", "at most 2 decimal places"),
    ("EUR", 0.1 + 0.2, "at most 2 decimal places"),
    ("JPY", "1999.5", "at most 0 decimal places"),
    ("KRW", "0.1", "at most 0 decimal places"),
    ("USD", "1E+3", "plain notation"),
    ("USD", "1e3", "plain notation"),
    ("USD", "1.5e2", "plain notation"),
    ("USD", Decimal("1E+3"), "plain notation"),
    ("USD", Decimal("1.00E+5"), "plain notation"),
    ("USD", Decimal("1E-7"), "plain notation"),
    ("USD", 1e16, "plain notation"),  # str(1e16) == "1e+16"
    ("USD", "NaN", "plain notation"),
    ("USD", Decimal("Infinity"), "plain notation"),
    ("USD", "Infinity", "plain notation"),
    ("USD", " 1.00", "plain notation"),
    ("USD", "+1.00", "plain notation"),
    ("USD", "1,000.00", "plain notation"),
    ("USD", ".5", "plain notation"),
    ("USD", "", "plain notation"),
    ("USD", True, "decimal number"),
    ("USD", None, "decimal number"),
    ("USD", [1], "decimal number"),
]


@pytest.mark.parametrize(("currency", "amount"), VALID_AMOUNTS)
def test_valid_amounts_are_accepted_by_every_event_that_carries_money(currency: str, amount: object) -> None:
    assert order_created_with(currency, amount).total == Decimal(str(amount))
    for build in payment_events(currency, amount):
        assert build().amount == Decimal(str(amount))  # type: ignore[operator, attr-defined]


@pytest.mark.parametrize(("currency", "amount", "message"), INVALID_AMOUNTS)
def test_invalid_amounts_are_refused_by_every_event_that_carries_money(
    currency: str, amount: object, message: str
) -> None:
    with pytest.raises(ValidationError, match=message) as caught:
        order_created_with(currency, amount)
    assert ("total",) in [error["loc"] for error in caught.value.errors()]
    for build in payment_events(currency, amount):
        with pytest.raises(ValidationError, match=message) as caught:
            build()  # type: ignore[operator]
        assert ("amount",) in [error["loc"] for error in caught.value.errors()]


@pytest.mark.parametrize(
    ("currency", "unit_price", "accepted"),
    [("USD", "0", True), ("USD", "0.99", True), ("USD", "0.999", False), ("JPY", "0.5", False), ("USD", "-1", False)],
)
def test_line_unit_prices_may_be_zero_but_fit_the_currency(currency: str, unit_price: str, accepted: bool) -> None:
    total = "1" if currency == "JPY" else "1.00"
    if accepted:
        assert order_created_with(currency, total, unit_price).items[0].unit_price == Decimal(unit_price)
    else:
        with pytest.raises(ValidationError) as caught:
            order_created_with(currency, total, unit_price)
        assert ("items", 0, "unit_price") in [error["loc"] for error in caught.value.errors()]


@pytest.mark.parametrize("currency", ["usd", "XXX", "SEK", "", "EURO", None])
def test_unsupported_currencies_are_refused(currency: object) -> None:
    with pytest.raises(ValidationError) as caught:
        order_created_with(currency, "1")  # type: ignore[arg-type]
    assert ("currency",) in [error["loc"] for error in caught.value.errors()]
    for build in payment_events(currency, "1"):  # type: ignore[arg-type]
        with pytest.raises(ValidationError):
            build()  # type: ignore[operator]


@pytest.mark.parametrize(
    ("currency", "amount", "written"),
    [
        ("USD", "39.98", "39.98"),
        ("USD", Decimal("1000.00"), "1000.00"),
        ("USD", 40, "40"),
        ("EUR", "100000000000.00", "100000000000.00"),
        ("JPY", "1999", "1999"),
        ("KRW", Decimal("50000"), "50000"),
        ("USD", "-0.00", None),  # refused: not a positive amount
    ],
)
def test_amounts_travel_as_fixed_point_strings_and_round_trip(currency: str, amount: object, written: str) -> None:
    if written is None:
        with pytest.raises(ValidationError):
            order_created_with(currency, amount)
        return
    envelope = new_envelope(order_created_with(currency, amount), correlation_id="c")
    detail = json.loads(json.dumps(envelope.to_detail()))

    assert detail["data"]["total"] == written  # a JSON string, as a Decimal always was, never "1E+3"
    assert "E" not in detail["data"]["items"][0]["unit_price"].upper()
    parsed = parse_envelope(detail)
    assert parsed == envelope and str(parsed.data.total) == written
    for build in payment_events(currency, amount):
        event = build()  # type: ignore[operator]
        assert json.loads(event.model_dump_json())["amount"] == written  # type: ignore[attr-defined]
        assert type(event).model_validate_json(event.model_dump_json()) == event  # type: ignore[attr-defined]


def test_an_event_with_an_exponent_amount_is_an_invalid_event() -> None:
    detail = new_envelope(order_created(), correlation_id="c").to_detail()
    detail["data"]["total"] = "3.998E+1"
    with pytest.raises(InvalidEvent, match="plain notation"):
        parse_envelope(detail)
