"""The shop's money vocabulary: the currencies it settles in, their minor units, and how amounts travel."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BeforeValidator, PlainSerializer, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

__all__ = [
    "MINOR_UNITS",
    "SUPPORTED_CURRENCIES",
    "Currency",
    "NonNegativeAmount",
    "PlainDecimal",
    "PositiveAmount",
    "check_currency_places",
    "decimal_places",
    "fixed_point",
    "parse_plain_decimal",
]

Currency = Literal["AUD", "CAD", "CHF", "EUR", "GBP", "JPY", "KRW", "USD"]
SUPPORTED_CURRENCIES: frozenset[str] = frozenset(get_args(Currency))

# ISO 4217 exponent of each supported currency: the decimal places of its minor unit (cents; none for yen).
MINOR_UNITS: Mapping[str, int] = MappingProxyType(
    {"AUD": 2, "CAD": 2, "CHF": 2, "EUR": 2, "GBP": 2, "JPY": 0, "KRW": 0, "USD": 2}
)

# Plain decimal notation only: no exponent ("1E+3"), no '+', no blanks, no "NaN" or "Infinity".
_PLAIN_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def parse_plain_decimal(value: Any) -> Decimal:
    """A finite decimal in fixed-point notation: "19.99", 19.99, 7 or Decimal("19.99"); never "1E+3".

    Numbers and Decimals go through `str()`, so a Decimal that would print with an exponent
    (Decimal("1E+3")) or a float that prints as "1e+16" is refused like the string "1E+3".
    """
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValueError("must be a decimal number or a string such as '19.99'")
    text = str(value)
    if not _PLAIN_DECIMAL.fullmatch(text):
        raise ValueError("must be a decimal number in plain notation such as '19.99' (no exponent such as '1E+3')")
    amount = Decimal(text)
    # "-0" is plain notation; it must not travel on as "-0.00".
    return amount.copy_abs() if amount.is_zero() else amount


def fixed_point(amount: Decimal) -> str:
    """How an amount is written in JSON: a string in plain notation ("1000.00", never "1.00000E+3")."""
    return format(amount, "f")


def decimal_places(amount: Decimal) -> int:
    """Decimal places the value needs: 2 for 19.99 and 19.990, 0 for 1000.00."""
    _, _, fraction = fixed_point(amount).partition(".")
    return len(fraction.rstrip("0"))


def _positive(amount: Decimal) -> Decimal:
    if amount <= 0:
        raise ValueError("must be greater than 0")
    return amount


def _non_negative(amount: Decimal) -> Decimal:
    if amount < 0:
        raise ValueError("must be greater than or equal to 0")
    return amount


# Serialised as a JSON string, as pydantic writes a Decimal, but always in plain notation.
PlainDecimal = Annotated[
    Decimal, BeforeValidator(parse_plain_decimal), PlainSerializer(fixed_point, return_type=str, when_used="json")
]
PositiveAmount = Annotated[PlainDecimal, AfterValidator(_positive)]  # a total, a charge
NonNegativeAmount = Annotated[PlainDecimal, AfterValidator(_non_negative)]  # a unit price (free items exist)


def check_currency_places(title: str, currency: str, amounts: Iterable[tuple[tuple[str | int, ...], Decimal]]) -> None:
    """Raise a ValidationError naming each amount (by its location) with more places than `currency` has.

    Raised from a validator, the locations are reported under the validated field, like any field error.
    """
    places = MINOR_UNITS[currency]
    errors = [
        InitErrorDetails(
            type=PydanticCustomError(
                "currency_decimal_places",
                "{currency} amounts have at most {places} decimal places",
                {"currency": currency, "places": places},
            ),
            loc=loc,
            input=fixed_point(amount),
        )
        for loc, amount in amounts
        if decimal_places(amount) > places
    ]
    if errors:
        raise ValidationError.from_exception_data(title, errors)
