"""In-memory fakes of the notifications ports, and a fixture that wires them into handler dependencies."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError
from shop_notifications.domain.destination_cap import DestinationCap
from shop_notifications.domain.notification import ClaimOutcome, Notification, NotificationStatus, claim_outcome
from shop_notifications.domain.templates import DeliveryPolicy, RenderedMessage, TemplateName
from shop_notifications.exceptions import ContactUnreadable, SendRejected
from shop_notifications.handlers import Dependencies
from shop_shared.clock_windows import ClockWindow
from shop_shared.contracts import (
    Channel,
    Contact,
    EventEnvelope,
    OrderCreated,
    OrderCreatedLine,
    PaymentFailed,
    new_envelope,
)

FAKE_CIPHERTEXT_PREFIX = "fake-kms:"
DIGEST_KEY = b"a test key of the destination digests"  # 36 bytes


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

    async def claim(
        self, notification: Notification, *, stale_before: datetime, policy: DeliveryPolicy
    ) -> ClaimOutcome:
        key = (notification.customer_id, notification.notification_id)
        existing = self.records.get(key)
        outcome = claim_outcome(existing, stale_before, policy)
        if outcome is ClaimOutcome.ABANDONED:
            assert existing is not None
            self.records[key] = existing.model_copy(
                update={"status": NotificationStatus.UNKNOWN, "error": "maybe sent, not resent: stale claim"}
            )
        if outcome not in (ClaimOutcome.CLAIMED, ClaimOutcome.RESUMED):
            return outcome
        if existing is not None:
            notification = notification.model_copy(
                update={"created_at": existing.created_at, "attempts": existing.attempts + 1, "error": existing.error}
            )
        self.records[key] = notification
        return outcome

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
        self._mark(customer_id, notification_id, NotificationStatus.FAILED, error)

    async def mark_unknown(self, customer_id: str, notification_id: str, *, error: str, failed_at: datetime) -> None:
        self._mark(customer_id, notification_id, NotificationStatus.UNKNOWN, error)

    async def mark_suppressed(
        self, customer_id: str, notification_id: str, *, reason: str, suppressed_at: datetime
    ) -> None:
        self._mark(customer_id, notification_id, NotificationStatus.SUPPRESSED, reason)

    def _mark(self, customer_id: str, notification_id: str, status: NotificationStatus, error: str) -> None:
        key = (customer_id, notification_id)
        if self.records[key].status is not NotificationStatus.SENT:
            self.records[key] = self.records[key].model_copy(update={"status": status, "error": error})

    async def list_for_customer(self, customer_id: str) -> list[Notification]:
        mine = [record for (customer, _), record in self.records.items() if customer == customer_id]
        return sorted(mine, key=lambda item: (item.created_at, item.notification_id), reverse=True)


class FakeSender:
    """Records every attempt; the next attempts raise what `errors` holds (first in, first raised)."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.attempts: list[tuple[str, RenderedMessage]] = []
        self.errors: list[BaseException] = []
        self.hang: asyncio.Event | None = None  # when set: each attempt waits on it (for timeouts)

    @property
    def failures(self) -> int:
        return len(self.errors)

    @failures.setter
    def failures(self, count: int) -> None:
        self.errors = [SendRejected(self.channel, "Throttling") for _ in range(count)]

    async def send(self, address: str, message: RenderedMessage) -> str:
        self.attempts.append((address, message))
        if self.hang is not None:
            await self.hang.wait()
        if self.errors:
            raise self.errors.pop(0)
        return f"{self.channel}-message-{len(self.attempts)}"


class FakeMetrics:
    def __init__(self) -> None:
        self.ambiguous: list[tuple[TemplateName, DeliveryPolicy]] = []
        self.suppressions: list[TemplateName] = []

    async def ambiguous_send(self, template: TemplateName, policy: DeliveryPolicy) -> None:
        self.ambiguous.append((template, policy))

    async def suppressed(self, template: TemplateName) -> None:
        self.suppressions.append(template)


class FakeDestinationCounter:
    """The DynamoDB counter's rule in memory: per (destination digest, window start), the set of ids counted."""

    def __init__(self) -> None:
        self.counted: dict[tuple[str, datetime], set[str]] = {}
        self.unavailable = False

    async def count(self, destination: str, notification_id: str, window: ClockWindow, *, limit: int) -> bool:
        if self.unavailable:
            raise ConnectionError("DynamoDB unreachable")
        ids = self.counted.setdefault((destination, window.start), set())
        if notification_id in ids or len(ids) < limit:
            ids.add(notification_id)
            return True
        return False


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
    metrics: FakeMetrics
    destinations: FakeDestinationCounter
    deps: Dependencies

    @staticmethod
    def encrypt(contact: dict[str, str], customer_id: str) -> str:
        return fake_encrypt(contact, customer_id)

    def order_created(
        self, customer_id: str, contact: dict[str, str], *, occurred_at: datetime | None = None
    ) -> EventEnvelope[OrderCreated]:
        """A new order of this customer, its contact encrypted the way the fake decryptor reads it."""
        order_id = str(uuid.uuid4())
        return new_envelope(
            OrderCreated(
                order_id=order_id,
                customer_id=customer_id,
                currency="USD",
                total=Decimal("42.50"),
                items=(OrderCreatedLine(sku="SKU-1", quantity=1, unit_price=Decimal("42.50")),),
                payment_token="tok_visa",
                contact_ciphertext=self.encrypt(contact, customer_id),
            ),
            correlation_id=order_id,
            occurred_at=occurred_at,
        )

    @staticmethod
    def payment_failed(customer_id: str, *, reason_code: str = "card_expired") -> EventEnvelope[PaymentFailed]:
        """A declined payment of this customer's order "ord-1" (its contact comes from the directory)."""
        return new_envelope(
            PaymentFailed(
                payment_id="pay-1",
                order_id="ord-1",
                customer_id=customer_id,
                amount=Decimal("42.50"),
                currency="USD",
                reason_code=reason_code,
            ),
            correlation_id="ord-1",
        )


@pytest.fixture
def harness() -> Harness:
    contacts, notifications, clock = FakeContactDirectory(), FakeNotificationRepository(), FakeClock()
    sms, email, metrics = FakeSender(Channel.SMS), FakeSender(Channel.EMAIL), FakeMetrics()
    destinations = FakeDestinationCounter()
    deps = Dependencies(
        contacts=contacts,
        decryptor=FakeDecryptor(),
        notifications=notifications,
        senders={Channel.SMS: sms, Channel.EMAIL: email},
        destinations=destinations,
        destination_cap=DestinationCap(messages_per_hour=10, digest_key=DIGEST_KEY),
        sending_lease=timedelta(seconds=30),
        send_timeout=timedelta(seconds=10),
        metrics=metrics,
        clock=clock,
    )
    return Harness(contacts, notifications, sms, email, clock, metrics, destinations, deps)
