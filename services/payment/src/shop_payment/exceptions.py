"""Every error of the payment service: broken domain rules, unsupported events and failed provider calls.

AWS outages are not wrapped: the shared HTTP handlers answer them with 503 (see `shop_shared.aws.errors`).
"""

from __future__ import annotations

__all__ = [
    "ChargeDeferred",
    "PaymentAlreadySettled",
    "ProviderCallFailed",
    "ProviderTemporarilyUnavailable",
    "UnsupportedEvent",
]


class PaymentAlreadySettled(Exception):
    """A settled payment is final; settling it again is a bug or a lost race."""


class UnsupportedEvent(Exception):
    """A valid event of a type payment does not handle."""


class ProviderCallFailed(Exception):
    """A call to the provider taught us nothing (unreachable, rate limited, circuit open): try again later."""


class ChargeDeferred(ProviderCallFailed):
    """The charge was not made, and no request whose answer we lack went out (circuit open, 429s, connection
    refused): the payment keeps its status and is tried again after a backoff. Not a decline."""


class ProviderTemporarilyUnavailable(ProviderCallFailed):
    """A failure worth retrying: timeout, connection error, 5xx, 409 or 429 (with the provider's Retry-After).

    `ambiguous` says whether the request may have reached the provider and been acted on: a read timeout, a
    dropped connection, a 5xx or a 409 (the key is in flight) may hide a charge; a refused connection or a 429
    cannot."""

    def __init__(self, reason: str, retry_after: float | None = None, *, ambiguous: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.ambiguous = ambiguous
