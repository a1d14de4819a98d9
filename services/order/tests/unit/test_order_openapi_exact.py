"""The OpenAPI document of POST /orders accepts exactly the bodies PlaceOrder accepts (what schemathesis checks too).

Checked with a JSON Schema validator (jsonschema-rs, the one schemathesis uses) against PlaceOrder on generated
bodies: prices as strings and numbers in every currency, quantities as integers and whole or fractional numbers,
every shape of contact.
"""

from __future__ import annotations

import copy
from typing import Any

import jsonschema_rs
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from shop_order.domain import PlaceOrder
from shop_order.entrypoints.api import create_app
from shop_order.settings import OrderSettings

SETTINGS = OrderSettings(
    auth_issuer="http://127.0.0.1:9",
    auth_audience="shop",
    event_bus_name="bus",
    orders_table="orders",
    outbox_table="outbox",
    idempotency_table="idempotency",
    payment_outcomes_queue="outcomes",
    contact_key_id="alias/contact",
    rate_limits_table="rate-limits",
)
DOCUMENT = create_app(SETTINGS).openapi()
VALIDATOR = jsonschema_rs.validator_for(
    {"$ref": "#/components/schemas/PlaceOrder", "components": copy.deepcopy(DOCUMENT["components"])}
)


def accepted(body: dict[str, Any]) -> bool:
    try:
        PlaceOrder.model_validate(body)
    except ValidationError:
        return False
    return True


prices = st.one_of(
    st.from_regex(r"-?0?[0-9]{1,7}(\.[0-9]{1,3})?", fullmatch=True),
    st.sampled_from(["0", "0.00", "-0", "1000000", "1000000.01", "19.990", "1e3", " 5", ""]),
    st.integers(min_value=-5, max_value=1_000_001),
    st.decimals(min_value=-1, max_value=1_000_001, places=2).map(float),
    st.sampled_from([0.1 + 0.2, 2.5, 1e-7, True, None]),
)
quantities = st.one_of(st.integers(min_value=-1, max_value=1001), st.sampled_from([2.0, 2.5, 1000.0, "2", True, None]))
lines = st.fixed_dictionaries(
    {"sku": st.sampled_from(["SKU-1", "a b", ""]), "quantity": quantities, "unit_price": prices}
)
emails = st.sampled_from(
    ["jane@example.com", "a" * 64 + "@example.com", "a" * 65 + "@example.com", "jane@", "jane@example", "a..b@x.io"]
)
phones = st.sampled_from(["+15555550100", "15555550100", "+1555", "+155555501001234567"])
contacts = st.one_of(
    st.fixed_dictionaries({"phone": phones}),
    st.fixed_dictionaries({"email": emails}),
    st.fixed_dictionaries({"phone": phones, "email": emails}),
    st.fixed_dictionaries({"phone": phones, "email": st.none()}),
    st.fixed_dictionaries({"phone": st.none(), "email": emails}),
    st.fixed_dictionaries({"phone": st.none()}),
    st.just({}),
)
bodies = st.fixed_dictionaries(
    {
        "customer_id": st.sampled_from(["c-123", "", "c 1"]),
        "currency": st.sampled_from(["USD", "EUR", "JPY", "KRW", "usd"]),
        "items": st.lists(lines, min_size=0, max_size=3),
        "payment_token": st.just("tok_success"),
        "contact": contacts,
    }
)


@settings(max_examples=400, deadline=None)
@given(body=bodies)
def test_the_document_accepts_exactly_what_place_order_accepts(body: dict[str, Any]) -> None:
    assert VALIDATOR.is_valid(body) == accepted(body), body


def test_the_examples_of_the_document_are_orders_it_accepts() -> None:
    example = DOCUMENT["components"]["schemas"]["PlaceOrder"]["properties"]
    body = {name: schema["examples"][0] for name, schema in example.items()}

    assert VALIDATOR.is_valid(body) and accepted(body)


def test_a_body_that_is_not_json_is_documented_as_400() -> None:
    responses = DOCUMENT["paths"]["/orders"]["post"]["responses"]

    assert responses["400"]["content"]["application/problem+json"]["examples"]["bad_request"]["value"]["status"] == 400
