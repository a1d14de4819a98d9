"""Every exception of the loyalty service, in one place (the tier run raises them too, via `shop_loyalty.tiers`)."""

from __future__ import annotations

from shop_shared.exceptions import DependencyUnavailable

__all__ = ["LOYALTY_PARTNER", "ConcurrentUpdate", "PartnerRejected", "PartnerRetryableAnswer", "PartnerUnavailable"]

# The dependency a PartnerUnavailable names.
LOYALTY_PARTNER = "loyalty partner"


class ConcurrentUpdate(Exception):
    """Another writer saved the account (or the order's ledger) between our read and our write, and kept doing so
    beyond the retries: the message (or the tier run's chunk) is handled again later."""


class PartnerUnavailable(DependencyUnavailable):
    """The partner did not take the credit or reversal after every attempt (timeouts, connection errors, 5xx, 429).

    An outage: the message is not deleted and SQS redelivers it; the credit itself is already committed.
    """

    def __init__(self, detail: str) -> None:
        super().__init__(LOYALTY_PARTNER)
        self.detail = detail

    def __str__(self) -> str:
        return self.detail


class PartnerRejected(Exception):
    """The partner refused the request itself (4xx): retrying the same request cannot help."""


class PartnerRetryableAnswer(Exception):
    """The partner answered 429 or 5xx: the partner adapter tries again, and raises PartnerUnavailable at the end."""
