"""The loyalty rules: points per order, the qualifying window and the tier thresholds."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

from pydantic import Field
from shop_shared.contracts import LoyaltyTier

if TYPE_CHECKING:
    from .model import LoyaltyAccount

__all__ = [
    "MONTHS_KEPT",
    "QUALIFYING_MONTHS",
    "TIER_THRESHOLDS",
    "Month",
    "month_of",
    "points_for_order",
    "qualifying_points",
    "shift_month",
    "tier_for",
    "tier_rank",
]

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
Month = Annotated[str, Field(pattern=MONTH_PATTERN, description="A calendar month, YYYY-MM.")]

QUALIFYING_MONTHS = 12
# Twice the qualifying window: older months can no longer affect any tier.
MONTHS_KEPT = 24

# Lowest qualifying points of each tier, highest tier first.
TIER_THRESHOLDS: tuple[tuple[LoyaltyTier, int], ...] = (
    ("PLATINUM", 20_000),
    ("GOLD", 5_000),
    ("SILVER", 1_000),
    ("BRONZE", 0),
)
_RANKS: dict[LoyaltyTier, int] = {"BRONZE": 0, "SILVER": 1, "GOLD": 2, "PLATINUM": 3}


def points_for_order(total: Decimal) -> int:
    """One point per whole currency unit of the order total, rounded down (floor).

    The currency is not converted: 12.99 of any currency earns 12 points, 0.99 earns none, and a
    zero or negative total (a fully discounted order) earns none either.
    """
    if not total.is_finite() or total <= 0:
        return 0
    return math.floor(total)


def month_of(moment: datetime) -> str:
    """The UTC calendar month of an aware datetime, as YYYY-MM."""
    return moment.astimezone(UTC).strftime("%Y-%m")


def shift_month(month: str, delta: int) -> str:
    """`month` moved by `delta` months (negative goes back)."""
    year, number = (int(part) for part in month.split("-"))
    index = year * 12 + (number - 1) + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def qualifying_points(account: LoyaltyAccount, as_of: str) -> int:
    """Points earned in the 12 calendar months up to and including `as_of` (later months do not count)."""
    return points_in_window(account.points_by_month, as_of)


def points_in_window(points_by_month: Mapping[str, int], as_of: str) -> int:
    first = shift_month(as_of, -(QUALIFYING_MONTHS - 1))
    # YYYY-MM strings sort chronologically.
    return sum(points for month, points in points_by_month.items() if first <= month <= as_of)


def tier_for(points: int) -> LoyaltyTier:
    """BRONZE below 1,000 qualifying points, SILVER from 1,000, GOLD from 5,000, PLATINUM from 20,000."""
    for tier, threshold in TIER_THRESHOLDS:
        if points >= threshold:
            return tier
    return "BRONZE"


def tier_rank(tier: LoyaltyTier) -> int:
    """Orders tiers so that a change can be told an upgrade or a downgrade."""
    return _RANKS[tier]
