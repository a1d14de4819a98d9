"""Errors the order domain raises when a rule is broken."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["InvalidStatusTransition", "OrderDomainError"]


class OrderDomainError(Exception):
    """Base of the domain's errors."""


class InvalidStatusTransition(OrderDomainError):
    def __init__(self, current: StrEnum, requested: StrEnum) -> None:
        super().__init__(f"an order in status {current} cannot move to {requested}")
        self.current = current
        self.requested = requested
