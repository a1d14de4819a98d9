"""Errors of the order service outside the domain rules: missing orders and failing dependencies."""

from __future__ import annotations

__all__ = ["DependencyUnavailable", "OrderNotFound", "OrderServiceError"]


class OrderServiceError(Exception):
    """Base of the service's errors."""


class OrderNotFound(OrderServiceError):
    def __init__(self, order_id: str) -> None:
        super().__init__(f"order {order_id} not found")
        self.order_id = order_id


class DependencyUnavailable(OrderServiceError):
    """An AWS dependency (DynamoDB, KMS) failed or timed out: not the client's fault, worth a retry."""

    def __init__(self, dependency: str) -> None:
        super().__init__(f"{dependency} is unavailable")
        self.dependency = dependency
