"""Errors every service shares. A service's own errors live in its `exceptions.py` and may subclass these."""

from __future__ import annotations

__all__ = ["DependencyUnavailable"]


class DependencyUnavailable(Exception):
    """A dependency (DynamoDB, KMS, a partner) failed or timed out: not the caller's fault, worth a retry.

    HTTP services answer it with 503 and `Retry-After`; consumers let the message come back.
    """

    def __init__(self, dependency: str) -> None:
        super().__init__(f"{dependency} is unavailable")
        self.dependency = dependency
