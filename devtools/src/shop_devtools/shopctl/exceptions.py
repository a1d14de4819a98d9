"""The errors shopctl reports as one clear line and a non-zero exit, never as a traceback."""

from __future__ import annotations

__all__ = ["AwsAccessError", "QueueNotFound", "ShopctlError"]


class ShopctlError(Exception):
    """Base of every error shopctl explains to the operator."""


class QueueNotFound(ShopctlError):
    """The named queue does not exist under this prefix (or is not one of the topology's DLQs)."""


class AwsAccessError(ShopctlError):
    """AWS could not be reached or refused us: a wrong profile, expired credentials, no endpoint."""
