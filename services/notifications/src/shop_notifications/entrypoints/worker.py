"""The SQS worker's routing: each event type of the notifications queue goes to its handler."""

from __future__ import annotations

from functools import partial

from shop_shared.contracts import LoyaltyTierChanged, OrderCreated, PaymentFailed
from shop_shared.messaging import EventHandler

from shop_notifications.handlers import Dependencies, handle_order_created, handle_payment_failed, handle_tier_changed

__all__ = ["event_handlers"]


def event_handlers(deps: Dependencies) -> dict[str, EventHandler]:
    return {
        OrderCreated.event_type: partial(handle_order_created, deps=deps),
        PaymentFailed.event_type: partial(handle_payment_failed, deps=deps),
        LoyaltyTierChanged.event_type: partial(handle_tier_changed, deps=deps),
    }
