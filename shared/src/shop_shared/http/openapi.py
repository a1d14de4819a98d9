"""Rules the validators enforce that pydantic's JSON schema leaves out, stated in the OpenAPI document.

A document that says less than the service checks is not exact: a client (or a fuzzer) that follows it gets 422s
it could not have foreseen. A service passes a function that edits the generated document once, in place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

__all__ = ["amount_schema", "refine_openapi"]

OpenApiDocument = dict[str, Any]


def refine_openapi(app: FastAPI, refine: Callable[[OpenApiDocument], None]) -> None:
    """Apply `refine` to the app's document when it is first built (after the problem responses are in)."""
    build_openapi = app.openapi
    refined = False

    def openapi() -> OpenApiDocument:
        nonlocal refined
        document = build_openapi()
        if not refined:
            refine(document)
            refined = True
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def amount_schema(places: int, *, positive: bool = False, maximum: int | None = None) -> dict[str, Any]:
    """What `shop_shared.contracts.money` accepts as an amount, as JSON Schema.

    A string in plain notation (`-?[0-9]+(.[0-9]+)?`) or a JSON number, with at most `places` significant decimal
    places (trailing zeros do not count: "19.990" is 19.99), not negative ("-0" is zero), above 0 if `positive`,
    at most `maximum` (a power of ten) if given.
    """
    digits = None if maximum is None else _power_of_ten(maximum)
    fraction = r"(?:\.0+)?" if places == 0 else rf"(?:\.[0-9]{{1,{places}}}0*)?"
    if positive:
        integer = "0*[1-9][0-9]*" if digits is None else f"0*[1-9][0-9]{{0,{digits - 1}}}"
        # Or no whole units and a non-zero digit within the first `places` decimals ("0.05").
        small = [rf"0{{{zeros}}}[1-9][0-9]{{0,{places - zeros - 1}}}0*" for zeros in range(places)]
        texts = [integer + fraction] + ([r"0+\.(?:" + "|".join(small) + ")"] if small else [])
    else:
        integer = "[0-9]+" if digits is None else f"0*[0-9]{{1,{digits}}}"
        texts = [r"-0+(?:\.0+)?", integer + fraction]  # "-0" is zero, any other '-' is refused
    number: dict[str, Any] = {"type": "number", "multipleOf": 10**-places if places else 1}
    number["exclusiveMinimum" if positive else "minimum"] = 0
    if maximum is not None:
        texts.append(rf"0*{maximum}(?:\.0+)?")
        number["maximum"] = maximum
    return {"anyOf": [{"type": "string", "pattern": "^(?:" + "|".join(texts) + ")$"}, number]}


def _power_of_ten(value: int) -> int:
    digits = len(str(value)) - 1
    if value < 1 or 10**digits != value:
        raise ValueError(f"{value} is not a power of ten")
    return digits
