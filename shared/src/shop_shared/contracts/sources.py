"""EventBridge `source` of each producing service; the topology's rules match on these."""

ORDER_SOURCE = "shop.order"
PAYMENT_SOURCE = "shop.payment"
LOYALTY_SOURCE = "shop.loyalty"

__all__ = ["LOYALTY_SOURCE", "ORDER_SOURCE", "PAYMENT_SOURCE"]
