"""The tier-change event, with an id derived from customer and month so a rerun can never double it."""

from __future__ import annotations

import uuid

from shop_loyalty.tiers.rules import TierChange
from shop_shared.contracts import EventEnvelope, LoyaltyTierChanged, new_envelope

__all__ = ["TIER_CHANGED_NAMESPACE", "tier_changed_envelope", "tier_changed_event_id"]

# uuid5(NAMESPACE_URL, "https://shop.example/events/loyalty.tier_changed"). Never change it: a rerun after
# a deployment would otherwise publish ids that consumers have not seen yet.
TIER_CHANGED_NAMESPACE = uuid.UUID("4439aab5-0f3a-570d-bf61-8ffde484a2c6")


def tier_changed_event_id(customer_id: str, as_of: str) -> uuid.UUID:
    return uuid.uuid5(TIER_CHANGED_NAMESPACE, f"{customer_id}:{as_of}")


def tier_changed_envelope(
    change: TierChange, run_id: str, traceparent: str | None = None
) -> EventEnvelope[LoyaltyTierChanged]:
    payload = LoyaltyTierChanged(
        customer_id=change.customer_id,
        previous_tier=change.previous_tier,
        new_tier=change.new_tier,
        qualifying_points=change.qualifying_points,
        as_of=change.as_of,
    )
    return new_envelope(
        payload,
        correlation_id=run_id,
        event_id=tier_changed_event_id(change.customer_id, change.as_of),
        traceparent=traceparent,
    )
