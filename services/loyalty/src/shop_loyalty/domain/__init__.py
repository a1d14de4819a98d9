"""The loyalty domain: accounts, points and tiers, free of I/O."""

from .model import Credit, LoyaltyAccount, Reversal, TierChange
from .rules import (
    MONTHS_KEPT,
    QUALIFYING_MONTHS,
    TIER_THRESHOLDS,
    Month,
    month_of,
    points_for_order,
    qualifying_points,
    shift_month,
    tier_for,
    tier_rank,
)

__all__ = [
    "MONTHS_KEPT",
    "QUALIFYING_MONTHS",
    "TIER_THRESHOLDS",
    "Credit",
    "LoyaltyAccount",
    "Month",
    "Reversal",
    "TierChange",
    "month_of",
    "points_for_order",
    "qualifying_points",
    "shift_month",
    "tier_for",
    "tier_rank",
]
