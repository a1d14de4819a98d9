"""Money rules of the order service: how clients' prices are read and how amounts are rounded.

The currencies and their minor units are the shop's one list, in `shop_shared.contracts.money`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from shop_shared.contracts.money import (
    MINOR_UNITS,
    SUPPORTED_CURRENCIES,
    Currency,
    decimal_places,
    parse_plain_decimal,
)

__all__ = [
    "MAX_PLACES",
    "MAX_UNIT_PRICE",
    "SETTLEMENT_CURRENCIES",
    "Currency",
    "parse_money",
    "to_minor_units",
]

SETTLEMENT_CURRENCIES: frozenset[str] = SUPPORTED_CURRENCIES
# The most decimal places any supported currency has; the order's currency may allow fewer (JPY: none).
MAX_PLACES = max(MINOR_UNITS.values())
MAX_UNIT_PRICE = Decimal("1000000")


def parse_money(value: Any) -> Decimal:
    """Read a unit price given as a JSON string or number: plain notation, 0..1,000,000, at most two places.

    Numbers go through `str()` first, so 19.99 reads as Decimal("19.99") and a float that only
    approximates a two-place amount (0.1 + 0.2) is refused instead of being rounded silently.
    The places the order's currency allows are checked with the order (`PlaceOrder`).
    """
    amount = parse_plain_decimal(value)
    if amount < 0:
        raise ValueError("must be greater than or equal to 0")
    if amount > MAX_UNIT_PRICE:
        raise ValueError("must be at most 1000000")
    if decimal_places(amount) > MAX_PLACES:
        raise ValueError(f"must have at most {MAX_PLACES} decimal places")
    # Always two places, so "19.9" and 19.90 are the same request to the idempotency fingerprint.
    return _with_places(amount, MAX_PLACES)


def to_minor_units(amount: Decimal, currency: str) -> Decimal:
    """The amount with exactly the currency's decimal places (exact for amounts that have at most those)."""
    return _with_places(amount, MINOR_UNITS[currency])


def _with_places(amount: Decimal, places: int) -> Decimal:
    rounded = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    # "-0" is a valid input; it must not come back out as "-0.00".
    return rounded.copy_abs() if rounded.is_zero() else rounded
