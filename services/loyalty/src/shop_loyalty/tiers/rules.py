"""The pure part of loyalty's published tier interface: the account, its tier rules and the month type.

No adapter, port or AWS SDK behind it, so batch-worker's domain can import it and stay free of them.
"""

from __future__ import annotations

from shop_loyalty.domain import (
    QUALIFYING_MONTHS,
    TIER_THRESHOLDS,
    LoyaltyAccount,
    Month,
    TierChange,
    month_of,
    qualifying_points,
    shift_month,
    tier_for,
)

__all__ = [
    "QUALIFYING_MONTHS",
    "TIER_THRESHOLDS",
    "LoyaltyAccount",
    "Month",
    "TierChange",
    "month_of",
    "qualifying_points",
    "shift_month",
    "tier_for",
]
