"""In-memory fakes of the notifications ports, and a fixture that wires them into handler dependencies."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from shop_notifications.domain.contact import Channel, Contact
from shop_notifications.domain.exceptions import ContactUnreadable, SendRejected
from shop_notifications.domain.notification import ClaimOutcome, Notification, NotificationStatus, is_claimable
from shop_notifications.domain.templates import RenderedMessage
from shop_notifications.handlers import Dependencies

FAKE_CIPHERTEXT_PREFIX = "fake-kms:"


def fake_encrypt(contact: dict[str, str], customer_id: str) -> str:
    """Stands in for KMS: the "ciphertext" is bound to the customer like an encryption context."""
    return FAKE_CIPHERTEXT_PREFIX + json.dumps({"customer_id": customer_id, "contact": contact})


class FakeDecryptor:
    async def decrypt(self, ciphertext: str, *, customer_id: str) -> Contact:
        if not ciphertext.startswith(FAKE_CIPHERTEXT_PREFIX):
            raise ContactUnreadable("not a ciphertext")
        sealed = json.loads(ciphertext.removeprefix(FAKE_CIPHERTEXT_PREFIX))
        if sealed["customer_id"] != customer_id:
            raise ContactUnreadable("encryption context mismatch")
        try:
            return Contact.model_validate(sealed["contact"])
        except ValidationError:
            raise ContactUnreadable("invalid contact") from None


class FakeContactDirectory:
    def __init__(self) -> None:
        self.entries: dict[str, tuple[str, datetime]] = {}

    async def save(self, customer_id: str, ciphertext: str, updated_at: datetime) -> None:
        current = self.entries.get(customer_id)
        if current is None or current[1] <= updated_at:
            self.entries[customer_id] = (ciphertext, updated_at)

    async def ciphertext_of(self, customer_id: str) -> str | None:
        entry = self.entries.get(customer_id)
        return entry[0] if entry else None


class FakeNotificationRepository:
    def __init__(self) -> None:
        self.records: dict[tuple[str, str], Notification] = {}

    async def claim(self, notification: Notification, *, stale_before: datetime) -> ClaimOutcome:
        key = (notification.customer_id, notification.notification_id)
        existing = self.records.get(key)
        if not is_claimable(existing, stale_before):
            assert existing is not None
            return ClaimOutcome.ALREADY_SENT if existing.status is NotificationStatus.SENT else ClaimOutcome.IN_PROGRESS
        if existing is not None:
            notification = notification.model_copy(
                update={"created_at": existing.created_at, "attempts": existing.attempts + 1, "error": existing.error}
            )
        self.records[key] = notification
        return ClaimOutcome.CLAIMED

    async def mark_sent(
        self, customer_id: str, notification_id: str, *, provider_message_id: str, sent_at: datetime
    ) -> None:
        key = (customer_id, notification_id)
        self.records[key] = self.records[key].model_copy(
            update={
                "status": NotificationStatus.SENT,
                "provider_message_id": provider_message_id,
                "sent_at": sent_at,
                "error": None,
            }
        )

    async def mark_failed(self, customer_id: str, notification_id: str, *, error: str, failed_at: datetime) -> None:
        key = (customer_id, notification_id)
        if self.records[key].status is not NotificationStatus.SENT:
            self.records[key] = self.records[key].model_copy(
                update={"status": NotificationStatus.FAILED, "error": error}
            )

    async def list_for_customer(self, customer_id: str) -> list[Notification]:
        mine = [record for (customer, _), record in self.records.items() if customer == customer_id]
        return sorted(mine, key=lambda item: (item.created_at, item.notification_id), reverse=True)


class FakeSender:
    """Records every attempt; fails the first `failures` attempts."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.attempts: list[tuple[str, RenderedMessage]] = []
        self.failures = 0

    async def send(self, address: str, message: RenderedMessage) -> str:
        self.attempts.append((address, message))
        if self.failures > 0:
            self.failures -= 1
            raise SendRejected(self.channel, "Throttling")
        return f"{self.channel}-message-{len(self.attempts)}"


@dataclass
class FakeClock:
    now: datetime = field(default_factory=lambda: datetime(2026, 1, 15, 9, 30, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Harness:
    contacts: FakeContactDirectory
    notifications: FakeNotificationRepository
    sms: FakeSender
    email: FakeSender
    clock: FakeClock
    deps: Dependencies

    @staticmethod
    def encrypt(contact: dict[str, str], customer_id: str) -> str:
        return fake_encrypt(contact, customer_id)


@pytest.fixture
def harness() -> Harness:
    contacts, notifications, clock = FakeContactDirectory(), FakeNotificationRepository(), FakeClock()
    sms, email = FakeSender(Channel.SMS), FakeSender(Channel.EMAIL)
    deps = Dependencies(
        contacts=contacts,
        decryptor=FakeDecryptor(),
        notifications=notifications,
        senders={Channel.SMS: sms, Channel.EMAIL: email},
        sending_lease=timedelta(seconds=30),
        clock=clock,
    )
    return Harness(contacts, notifications, sms, email, clock, deps)
