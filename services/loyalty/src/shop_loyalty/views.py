"""Read side: what GET /customers/{id}/loyalty answers."""

from __future__ import annotations

from pydantic import BaseModel
from shop_shared.composition import Clock
from shop_shared.contracts import LoyaltyTier

from shop_loyalty.domain import Credit, Reversal, month_of, qualifying_points
from shop_loyalty.ports import AccountRepository

__all__ = ["LoyaltySummary", "loyalty_summary"]


class LoyaltySummary(BaseModel):
    customer_id: str
    points_balance: int
    tier: LoyaltyTier
    tier_as_of: str | None
    qualifying_points: int
    recent_credits: list[Credit]
    # Orders whose payment failed after their credit: the points they gave are taken back (newest first).
    recent_reversals: list[Reversal]


async def loyalty_summary(customer_id: str, accounts: AccountRepository, clock: Clock) -> LoyaltySummary | None:
    """The account as the customer sees it, with the points qualifying in the current month; None if unknown."""
    account = await accounts.get(customer_id)
    if account is None:
        return None
    return LoyaltySummary(
        customer_id=account.customer_id,
        points_balance=account.points_balance,
        tier=account.tier,
        tier_as_of=account.tier_as_of,
        qualifying_points=qualifying_points(account, month_of(clock())),
        recent_credits=account.recent_credits,
        recent_reversals=account.recent_reversals,
    )
