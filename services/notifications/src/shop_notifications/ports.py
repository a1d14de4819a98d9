"""The ports the handlers depend on; adapters/ implements them on AWS, the unit tests in memory."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from shop_notifications.domain.contact import Contact
from shop_notifications.domain.notification import ClaimOutcome, Notification
from shop_notifications.domain.templates import RenderedMessage

__all__ = ["ContactDecryptor", "ContactDirectory", "MessageSender", "NotificationRepository"]


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
    async def claim(self, notification: Notification, *, stale_before: datetime) -> ClaimOutcome:
        """Record the notification as SENDING if `is_claimable`, atomically; else say why not."""
        ...

    async def mark_sent(
        self, customer_id: str, notification_id: str, *, provider_message_id: str, sent_at: datetime
    ) -> None: ...

    async def mark_failed(self, customer_id: str, notification_id: str, *, error: str, failed_at: datetime) -> None: ...

    async def list_for_customer(self, customer_id: str) -> list[Notification]:
        """Every notification of the customer, newest first."""
        ...


class MessageSender(Protocol):
    async def send(self, address: str, message: RenderedMessage) -> str:
        """Send and return the provider's message id; raise SendRejected when the provider refuses."""
        ...
