"""Generated loyalty accounts for the tier benchmark: deterministic for a seed, about a quarter change tier.

Each account looks like the day before the monthly run for `as_of`: qualified last month (its stored tier is
what the rules gave for the 12 months up to last month), with points in a sparse, uneven set of months.
A change of tier this month comes from the month that leaves the window and the month that enters it, the
same way it does for a real customer.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from shop_loyalty.domain import (
    MONTHS_KEPT,
    QUALIFYING_MONTHS,
    TIER_THRESHOLDS,
    Credit,
    LoyaltyAccount,
    qualifying_points,
    shift_month,
    tier_for,
    tier_rank,
)
from shop_shared.contracts import LoyaltyTier

__all__ = ["CHANGE_SHARE", "GeneratedAccount", "TierOutlook", "generate_accounts"]

# Tiers of last month's run, most customers low; and the share of customers planned to move this month.
TIER_MIX: tuple[tuple[LoyaltyTier, float], ...] = (
    ("BRONZE", 0.45),
    ("SILVER", 0.30),
    ("GOLD", 0.18),
    ("PLATINUM", 0.07),
)
CHANGE_SHARE = 0.25
PLATINUM_CEILING = 60_000  # the most qualifying points a generated customer earns in a year
RECENT_CREDITS = 3  # the loyalty service keeps up to 10; a few keep the item close to a typical account
OLD_MONTHS_MAX = 3  # months older than the window, kept by the account but irrelevant to its tier

_BY_RANK: tuple[LoyaltyTier, ...] = tuple(sorted((tier for tier, _ in TIER_THRESHOLDS), key=tier_rank))


@dataclass(frozen=True)
class GeneratedAccount:
    index: int
    account: LoyaltyAccount


@dataclass
class TierOutlook:
    """What the run must find, counted with the loyalty domain's own requalification."""

    customers: int = 0
    upgrades: int = 0
    downgrades: int = 0
    by_new_tier: dict[str, int] = field(default_factory=dict)

    def add(self, account: LoyaltyAccount, as_of: str) -> LoyaltyTier:
        """Counts the account; returns the tier the run must give it."""
        new_tier = tier_for(qualifying_points(account, as_of))
        self.customers += 1
        if new_tier == account.tier:
            return new_tier
        if tier_rank(new_tier) > tier_rank(account.tier):
            self.upgrades += 1
        else:
            self.downgrades += 1
        self.by_new_tier[new_tier] = self.by_new_tier.get(new_tier, 0) + 1
        return new_tier

    @property
    def changes(self) -> int:
        return self.upgrades + self.downgrades

    @property
    def change_share(self) -> float:
        return self.changes / self.customers if self.customers else 0.0


def generate_accounts(count: int, *, seed: int, as_of: str) -> Iterator[GeneratedAccount]:
    """`count` accounts, the same for the same seed and month, produced lazily (100,000 fit no list)."""
    rng = random.Random(f"{seed}:{as_of}")
    for index in range(count):
        yield GeneratedAccount(index, _account(rng, f"bench-{seed}-{index:07d}", as_of))


def _points_range(tier: LoyaltyTier) -> tuple[int, int]:
    floors = dict(TIER_THRESHOLDS)
    rank = tier_rank(tier)
    ceiling = PLATINUM_CEILING if rank == len(_BY_RANK) - 1 else floors[_BY_RANK[rank + 1]] - 1
    return floors[tier], ceiling


def _tier_after(rng: random.Random, previous: LoyaltyTier) -> LoyaltyTier:
    if rng.random() >= CHANGE_SHARE:
        return previous
    rank = tier_rank(previous)
    if rank == 0 or (rank < len(_BY_RANK) - 1 and rng.random() < 0.5):
        return _BY_RANK[rank + 1]
    return _BY_RANK[rank - 1]


def _account(rng: random.Random, customer_id: str, as_of: str) -> LoyaltyAccount:
    previous = rng.choices([tier for tier, _ in TIER_MIX], weights=[weight for _, weight in TIER_MIX])[0]
    points_before = rng.randint(*_points_range(previous))  # the 12 months up to last month
    points_now = rng.randint(*_points_range(_tier_after(rng, previous)))  # the 12 months up to `as_of`
    typical_month = points_before // QUALIFYING_MONTHS
    if points_now >= points_before:
        leaving = rng.randint(0, typical_month)
        entering = leaving + points_now - points_before
    else:
        entering = rng.randint(0, min(points_now, typical_month))
        leaving = entering + points_before - points_now
    months: dict[str, int] = {shift_month(as_of, -QUALIFYING_MONTHS): leaving, as_of: entering}
    shared = [shift_month(as_of, -delta) for delta in range(1, QUALIFYING_MONTHS)]
    months |= _spread(rng, points_before - leaving, rng.sample(shared, rng.randint(1, len(shared))))
    older = [shift_month(as_of, -delta) for delta in range(QUALIFYING_MONTHS + 1, MONTHS_KEPT)]
    months |= {
        month: rng.randint(1, max(1, typical_month)) for month in rng.sample(older, rng.randint(0, OLD_MONTHS_MAX))
    }
    points_by_month = {month: points for month, points in sorted(months.items()) if points > 0}
    return LoyaltyAccount(
        customer_id=customer_id,
        points_balance=sum(points_by_month.values()),
        points_by_month=points_by_month,
        tier=previous,
        tier_as_of=shift_month(as_of, -1),
        recent_credits=_recent_credits(customer_id, points_by_month),
    )


def _spread(rng: random.Random, points: int, months: list[str]) -> dict[str, int]:
    """`points` cut at random places into one share per month."""
    cuts = sorted(rng.randint(0, points) for _ in range(len(months) - 1))
    bounds = [0, *cuts, points]
    return {month: bounds[i + 1] - bounds[i] for i, month in enumerate(months)}


def _recent_credits(customer_id: str, points_by_month: dict[str, int]) -> list[Credit]:
    """One order per month for the newest months, newest first."""
    newest = sorted(points_by_month, reverse=True)[:RECENT_CREDITS]
    return [
        Credit(
            order_id=f"{customer_id}-{month}",
            points=points_by_month[month],
            month=month,
            credited_at=datetime.strptime(f"{month}-15", "%Y-%m-%d").replace(tzinfo=UTC),
        )
        for month in newest
    ]
