"""OpenAPI refinements: applied once; `amount_schema` says exactly what the money rules accept."""

from __future__ import annotations

import re
from contextlib import AsyncExitStack
from typing import Any

import pytest
from fastapi import FastAPI
from hypothesis import given
from hypothesis import strategies as st
from shop_shared.composition import Container
from shop_shared.contracts.money import decimal_places, parse_plain_decimal
from shop_shared.http import amount_schema, create_service_app, refine_openapi
from shop_shared.settings import ServiceSettings

SETTINGS = ServiceSettings(host="127.0.0.1", port=8080, shutdown_grace_seconds=1.0)


def app() -> FastAPI:
    async def build(_: ServiceSettings, __: AsyncExitStack) -> Container:
        return Container()

    return create_service_app(SETTINGS, title="refined", build=build)


def test_a_refinement_edits_the_built_document_once_and_keeps_the_problem_responses() -> None:
    service = app()
    calls: list[int] = []

    def refine(document: dict[str, Any]) -> None:
        calls.append(1)
        document["info"]["x-refined"] = True

    refine_openapi(service, refine)

    first, second = service.openapi(), service.openapi()
    assert first is second and first["info"]["x-refined"] is True
    assert calls == [1]
    assert "Problem" in first["components"]["schemas"]


def accepted(text: str, places: int, *, positive: bool, maximum: int | None) -> bool:
    """What the money rules (shop_shared.contracts.money) make of a string amount."""
    try:
        amount = parse_plain_decimal(text)
    except ValueError:
        return False
    in_range = amount > 0 if positive else amount >= 0
    return in_range and decimal_places(amount) <= places and (maximum is None or amount <= maximum)


def matches(schema: dict[str, Any], text: str) -> bool:
    pattern = schema["anyOf"][0]["pattern"]
    return re.fullmatch(pattern, text) is not None


# Amounts as clients write them: signs, leading and trailing zeros, up to 8 digits before and 4 after the point,
# and the odd malformed one.
amounts = st.one_of(
    st.from_regex(r"-?0{0,2}[0-9]{1,8}(\.[0-9]{1,4}0{0,2})?", fullmatch=True),
    st.sampled_from(["1000000", "1000000.00", "1000000.01", "-0", "-0.00", "0.001", "1E+3", "+1", "1.", ".5", ""]),
)


@pytest.mark.parametrize(
    ("places", "positive", "maximum"), [(2, False, 1_000_000), (0, False, 1_000_000), (2, True, None), (0, True, None)]
)
@given(text=amounts)
def test_the_string_pattern_matches_exactly_the_amounts_the_rules_accept(
    places: int, positive: bool, maximum: int | None, text: str
) -> None:
    schema = amount_schema(places, positive=positive, maximum=maximum)

    assert matches(schema, text) == accepted(text, places, positive=positive, maximum=maximum), text


def test_the_number_form_has_the_same_bounds_and_places() -> None:
    assert amount_schema(2, maximum=1_000_000)["anyOf"][1] == {
        "type": "number",
        "multipleOf": 0.01,
        "minimum": 0,
        "maximum": 1_000_000,
    }
    assert amount_schema(0, positive=True)["anyOf"][1] == {"type": "number", "multipleOf": 1, "exclusiveMinimum": 0}


def test_a_maximum_that_is_not_a_power_of_ten_is_refused() -> None:
    with pytest.raises(ValueError, match="power of ten"):
        amount_schema(2, maximum=999)


def test_the_examples_of_the_docs_match() -> None:
    schema = amount_schema(2, maximum=1_000_000)
    assert all(matches(schema, text) for text in ("19.99", "19.990", "0", "-0", "7", "1000000.00"))
    assert not any(matches(schema, text) for text in ("19.999", "-0.01", "1e3", "1000000.01", "NaN"))
