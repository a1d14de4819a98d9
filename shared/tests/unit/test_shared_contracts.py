"""The envelope and the contract registry: what consumers accept and what they reject."""

import json
import uuid
from decimal import Decimal

import pytest
from shop_shared.contracts import (
    EVENT_MODELS,
    InvalidEvent,
    OrderCreated,
    OrderCreatedLine,
    PaymentFailed,
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
