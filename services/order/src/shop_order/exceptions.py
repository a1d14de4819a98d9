"""Errors of the order service outside the domain rules: missing orders, taken keys, bad cursors, outages."""

from __future__ import annotations

__all__ = ["DependencyUnavailable", "IdempotencyKeyTaken", "InvalidCursor", "OrderNotFound", "OrderServiceError"]


class OrderServiceError(Exception):
    """Base of the service's errors."""


class OrderNotFound(OrderServiceError):
    def __init__(self, order_id: str) -> None:
        super().__init__(f"order {order_id} not found")
        self.order_id = order_id


class IdempotencyKeyTaken(OrderServiceError):
    """A live record holds the key, so the order was not stored; the handler decides replay or refusal."""

    def __init__(self, key: str) -> None:
        super().__init__(f"idempotency key {key!r} is taken")
        self.key = key


class InvalidCursor(OrderServiceError):
    """A page cursor that this service did not hand out for this customer (malformed or altered)."""


class DependencyUnavailable(OrderServiceError):
    """An AWS dependency (DynamoDB, KMS) failed or timed out: not the client's fault, worth a retry."""

    def __init__(self, dependency: str) -> None:
        super().__init__(f"{dependency} is unavailable")
        self.dependency = dependency
