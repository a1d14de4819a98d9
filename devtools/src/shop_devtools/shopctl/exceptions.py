"""The errors shopctl reports as one clear line and a non-zero exit, never as a traceback."""

from __future__ import annotations

__all__ = ["AwsAccessError", "OrderNotFound", "QueueNotFound", "ShopctlError", "TableNotFound"]


class ShopctlError(Exception):
    """Base of every error shopctl explains to the operator."""


class QueueNotFound(ShopctlError):
    """The named queue does not exist under this prefix (or is not one of the topology's DLQs)."""


class AwsAccessError(ShopctlError):
    """AWS could not be reached or refused us: a wrong profile, expired credentials, no endpoint."""


class TableNotFound(ShopctlError):
    """The named table does not exist under this prefix."""


class OrderNotFound(ShopctlError):
    """No order with that id in the orders table."""
