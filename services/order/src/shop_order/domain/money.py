"""Money rules of the shop: the currencies it settles in and how prices are read and rounded."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any, Literal, get_args

__all__ = ["CENT", "MAX_UNIT_PRICE", "SETTLEMENT_CURRENCIES", "Currency", "parse_money", "to_cents"]

# Only ISO 4217 codes with two minor digits: every amount here has exactly two decimal places.
Currency = Literal["USD", "EUR", "GBP", "CAD", "AUD", "CHF"]
SETTLEMENT_CURRENCIES: frozenset[str] = frozenset(get_args(Currency))

CENT = Decimal("0.01")
MAX_UNIT_PRICE = Decimal("1000000.00")

# Plain decimal notation only: no exponent, no sign other than '-', no blanks, no "NaN" or "Infinity".
_DECIMAL_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def parse_money(value: Any) -> Decimal:
    """Read a unit price given as a JSON string or number; at most two decimal places, 0..1,000,000.00.

    Numbers go through `str()` first, so 19.99 reads as Decimal("19.99") and a float that only
    approximates a two-place amount (0.1 + 0.2) is refused instead of being rounded silently.
    """
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValueError("must be a decimal number or a string such as '19.99'")
    text = str(value)
    if isinstance(value, str) and not _DECIMAL_TEXT.fullmatch(text):
        raise ValueError("must be a decimal number such as '19.99'")
    try:
        amount = Decimal(text)
    except InvalidOperation as error:
        raise ValueError("must be a decimal number such as '19.99'") from error
    if not amount.is_finite():
        raise ValueError("must be a finite number")
    if amount < 0:
        raise ValueError("must be greater than or equal to 0")
    if amount > MAX_UNIT_PRICE:
        raise ValueError("must be at most 1000000.00")
    if amount != amount.quantize(CENT):
        raise ValueError("must have at most two decimal places")
    return to_cents(amount)


def to_cents(amount: Decimal) -> Decimal:
    """The amount with exactly two decimal places (exact for amounts that already have at most two)."""
    cents = amount.quantize(CENT, rounding=ROUND_HALF_EVEN)
    # "-0" is a valid input; it must not come back out as "-0.00".
    return cents.copy_abs() if cents.is_zero() else cents
