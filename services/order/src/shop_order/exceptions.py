"""Every error of the order service: broken domain rules, missing orders, taken or reused keys, bad cursors.

Outages are the shared `DependencyUnavailable` (re-exported here): the HTTP API answers it with 503 and the
payment-outcome consumer lets the message come back.
"""

from __future__ import annotations

from enum import StrEnum

from shop_shared.exceptions import DependencyUnavailable

__all__ = [
    "DependencyUnavailable",
    "DuplicateOrderId",
    "IdempotencyKeyReused",
    "IdempotencyKeyTaken",
    "InvalidCursor",
    "InvalidStatusTransition",
    "OrderNotFound",
    "OrderRateLimited",
    "OrderServiceError",
]


class OrderServiceError(Exception):
    """Base of the service's own errors."""


class InvalidStatusTransition(OrderServiceError):
    """A domain rule: only an order awaiting payment can take a payment outcome."""

    def __init__(self, current: StrEnum, requested: StrEnum) -> None:
        super().__init__(f"an order in status {current} cannot move to {requested}")
        self.current = current
        self.requested = requested


class OrderNotFound(OrderServiceError):
    def __init__(self, order_id: str) -> None:
        super().__init__(f"order {order_id} not found")
        self.order_id = order_id


class DuplicateOrderId(OrderServiceError):
    """A uuid4 collided with a stored order; the new order was not stored."""

    def __init__(self, order_id: str) -> None:
        super().__init__(f"order id {order_id} is taken")
        self.order_id = order_id


class IdempotencyKeyTaken(OrderServiceError):
    """A live record holds the key, so the order was not stored; the handler decides replay or refusal."""

    def __init__(self, key: str) -> None:
        super().__init__(f"idempotency key {key!r} is taken")
        self.key = key


class IdempotencyKeyReused(OrderServiceError):
    """The key is bound to another request: a client bug, answered 422 `idempotency_key_reused`."""

    def __init__(self, key: str) -> None:
        super().__init__(f"idempotency key {key!r} was already used with a different request")
        self.key = key


class InvalidCursor(OrderServiceError):
    """A page cursor that this service did not hand out for this customer (malformed or altered)."""


class OrderRateLimited(OrderServiceError):
    """The customer placed the most orders one window allows; nothing was stored. Answered 429 `rate_limited`."""

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"order rate limit reached; retry in {retry_after_seconds} s")
        self.retry_after_seconds = retry_after_seconds
