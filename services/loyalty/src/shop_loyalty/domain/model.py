"""The loyalty account aggregate: points credited per order and the tier recomputed once a month."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from shop_shared.contracts import LoyaltyTier

from .rules import MONTHS_KEPT, Month, qualifying_points, shift_month, tier_for, tier_rank

__all__ = ["RECENT_CREDITS_KEPT", "Credit", "LoyaltyAccount", "Reversal", "TierChange"]

RECENT_CREDITS_KEPT = 10


class Credit(BaseModel):
    """Points credited for one order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    order_id: str = Field(min_length=1)
    points: int = Field(ge=0)
    month: Month
    credited_at: AwareDatetime


class Reversal(BaseModel):
    """Points taken back from one order whose payment failed: what its credit gave, from the credit's month."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    order_id: str = Field(min_length=1)
    points: int = Field(ge=0)
    month: Month
    reversed_at: AwareDatetime


class TierChange(BaseModel):
    """The outcome of a requalification that moved the customer to another tier."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    customer_id: str
    previous_tier: LoyaltyTier
    new_tier: LoyaltyTier
    qualifying_points: int = Field(ge=0)
    as_of: Month

    @property
    def is_upgrade(self) -> bool:
        return tier_rank(self.new_tier) > tier_rank(self.previous_tier)


class LoyaltyAccount(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: str = Field(min_length=1)
    points_balance: int = Field(
        default=0,
        description=(
            "Spendable points. Negative only if a reversal took back points that were already spent: the debt is"
            " repaid by the next credits (a declined card must not keep what it earned)."
        ),
    )
    points_by_month: dict[str, int] = Field(
        default_factory=dict, description=f"Points earned per month (YYYY-MM), the last {MONTHS_KEPT} months only."
    )
    tier: LoyaltyTier = "BRONZE"
    tier_as_of: Month | None = Field(default=None, description="The month the tier was last qualified for.")
    previous_tier: LoyaltyTier | None = Field(
        default=None,
        description="The tier before the change made by the run for `tier_as_of`; None when that run changed nothing.",
    )
    recent_credits: list[Credit] = Field(default_factory=list, description="The last credits, newest first.")
    recent_reversals: list[Reversal] = Field(
        default_factory=list, description="The last reversals (orders whose payment failed), newest first."
    )
    version: int = Field(default=0, ge=0, description="Optimistic lock: the stored version this state was read at.")

    def credit(self, order_id: str, points: int, month: str, at: datetime) -> bool:
        """Add the points of one order; False (and nothing changes) if the order is among the recent credits.

        The ledger is what guarantees one credit per order; this check only keeps the aggregate honest
        on its own.
        """
        if points < 0:
            raise ValueError("points must not be negative")
        if any(credit.order_id == order_id for credit in self.recent_credits):
            return False
        if any(reversal.order_id == order_id for reversal in self.recent_reversals):
            return False
        entry = Credit(order_id=order_id, points=points, month=month, credited_at=at)
        self.points_balance += points
        self.points_by_month[month] = self.points_by_month.get(month, 0) + points
        self._forget_old_months()
        self.recent_credits = [entry, *self.recent_credits][:RECENT_CREDITS_KEPT]
        return True

    def reverse(self, order_id: str, points: int, month: str, at: datetime) -> bool:
        """Take back exactly what the order's credit gave; False (and nothing changes) if already reversed here.

        The balance loses all of it, even below zero if the points were spent meanwhile (clamping would let a
        declined order keep what it bought). The qualifying points of the credit's month lose it too, never below
        zero, and not at all once that month is forgotten (it can no longer count towards a tier). The tier is
        left to the next tier run, which recomputes it from these points.
        """
        if points < 0:
            raise ValueError("points must not be negative")
        if any(reversal.order_id == order_id for reversal in self.recent_reversals):
            return False
        entry = Reversal(order_id=order_id, points=points, month=month, reversed_at=at)
        self.points_balance -= points
        if month in self.points_by_month:
            self.points_by_month[month] = max(0, self.points_by_month[month] - points)
        self.recent_reversals = [entry, *self.recent_reversals][:RECENT_CREDITS_KEPT]
        return True

    def requalify(self, as_of: str) -> TierChange | None:
        """Set the tier for the 12 months up to `as_of`; returns the change, or None if the tier stays.

        Running it again for the same month changes nothing and returns what the first run returned,
        so a retried batch chunk reports the same result.
        """
        if self.tier_as_of == as_of:
            return self._recorded_change()
        points = qualifying_points(self, as_of)
        new_tier = tier_for(points)
        self.previous_tier = self.tier if new_tier != self.tier else None
        self.tier = new_tier
        self.tier_as_of = as_of
        return self._recorded_change()

    def qualified_for(self, as_of: str) -> bool:
        """True once the tier was requalified for `as_of` (and stored, if this state was read back)."""
        return self.tier_as_of == as_of

    def _recorded_change(self) -> TierChange | None:
        if self.previous_tier is None or self.tier_as_of is None or self.previous_tier == self.tier:
            return None
        return TierChange(
            customer_id=self.customer_id,
            previous_tier=self.previous_tier,
            new_tier=self.tier,
            qualifying_points=qualifying_points(self, self.tier_as_of),
            as_of=self.tier_as_of,
        )

    def _forget_old_months(self) -> None:
        oldest_kept = shift_month(max(self.points_by_month), -(MONTHS_KEPT - 1))
        self.points_by_month = {month: points for month, points in self.points_by_month.items() if month >= oldest_kept}
