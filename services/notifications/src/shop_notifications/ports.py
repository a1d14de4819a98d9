"""The ports the handlers depend on; adapters/ implements them on AWS, the unit tests in memory."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from shop_shared.clock_windows import ClockWindow
from shop_shared.contracts import Contact

from shop_notifications.domain.notification import ClaimOutcome, Notification
from shop_notifications.domain.templates import DeliveryPolicy, RenderedMessage, TemplateName

__all__ = [
    "ContactDecryptor",
    "ContactDirectory",
    "DeliveryMetrics",
    "DestinationCounter",
    "MessageSender",
    "NotificationRepository",
]


class ContactDirectory(Protocol):
    """The newest encrypted contact of each customer (never the plaintext)."""

    async def save(self, customer_id: str, ciphertext: str, updated_at: datetime) -> None:
        """Store `ciphertext` unless the directory already holds a newer one."""
        ...

    async def ciphertext_of(self, customer_id: str) -> str | None: ...


class ContactDecryptor(Protocol):
    async def decrypt(self, ciphertext: str, *, customer_id: str) -> Contact:
        """Raise ContactUnreadable when it cannot be decrypted or holds no valid contact."""
        ...


class NotificationRepository(Protocol):
    async def claim(
        self, notification: Notification, *, stale_before: datetime, policy: DeliveryPolicy
    ) -> ClaimOutcome:
        """Apply `claim_outcome` atomically: record SENDING when it says CLAIMED or RESUMED, UNKNOWN when
        it says ABANDONED; return what it says."""
        ...

    async def mark_sent(
        self, customer_id: str, notification_id: str, *, provider_message_id: str, sent_at: datetime
    ) -> None: ...

    async def mark_failed(self, customer_id: str, notification_id: str, *, error: str, failed_at: datetime) -> None:
        """FAILED (the next delivery sends it), unless it is SENT already."""
        ...

    async def mark_unknown(self, customer_id: str, notification_id: str, *, error: str, failed_at: datetime) -> None:
        """UNKNOWN (never sent again), unless it is SENT already."""
        ...

    async def mark_suppressed(
        self, customer_id: str, notification_id: str, *, reason: str, suppressed_at: datetime
    ) -> None:
        """SUPPRESSED with `reason` (never sent), unless it is SENT already."""
        ...

    async def list_for_customer(self, customer_id: str) -> list[Notification]:
        """Every notification of the customer, newest first."""
        ...


class DestinationCounter(Protocol):
    """Messages per destination and window, shared by every notifications task."""

    async def count(self, destination: str, notification_id: str, window: ClockWindow, *, limit: int) -> bool:
        """Count `notification_id` against `destination` (its digest) in `window`, atomically; one counted before
        is not counted again and passes. False, counting nothing, when `limit` others are counted already."""
        ...


class MessageSender(Protocol):
    async def send(self, address: str, message: RenderedMessage) -> str:
        """Send once (no retry inside) and return the provider's message id.

        Raise SendRejected or ProviderUnreachable only when the message was certainly not sent; any other
        error (SendOutcomeUnknown above all) is taken as "maybe sent".
        """
        ...


class DeliveryMetrics(Protocol):
    async def ambiguous_send(self, template: TemplateName, policy: DeliveryPolicy) -> None:
        """A send of unknown outcome: abandoned (at most once) or to be resent (at least once)."""
        ...

    async def suppressed(self, template: TemplateName) -> None:
        """A notification not sent because its destination had reached the hourly cap."""
        ...
