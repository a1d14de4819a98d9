"""Events of the loyalty context (published by the monthly tier run)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from .envelope import IntegrationEvent
from .sources import LOYALTY_SOURCE

__all__ = ["LoyaltyTier", "LoyaltyTierChanged"]

LoyaltyTier = Literal["BRONZE", "SILVER", "GOLD", "PLATINUM"]


class LoyaltyTierChanged(IntegrationEvent):
    """The monthly tier run moved a customer to another tier; its id is derived from customer and month."""

    event_type: ClassVar[str] = "loyalty.tier_changed"
    event_version: ClassVar[int] = 1
    source: ClassVar[str] = LOYALTY_SOURCE

    customer_id: str
    previous_tier: LoyaltyTier
    new_tier: LoyaltyTier
    qualifying_points: int = Field(ge=0, description="Points earned in the 12 months up to `as_of`.")
    as_of: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="The month the run qualified for.")
