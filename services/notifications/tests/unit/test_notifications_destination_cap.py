"""The cap per destination and hour: the digest and window rules, and the handlers counting each notification once
(redeliveries, retries, resends), recording the rest SUPPRESSED without sending or raising."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from shop_notifications.domain.destination_cap import DestinationCap, normalized_destination
from shop_notifications.domain.notification import ClaimOutcome, NotificationStatus, claim_outcome, new_notification
from shop_notifications.domain.templates import DeliveryPolicy, TemplateName, order_confirmed
from shop_notifications.exceptions import SendRejected
from shop_notifications.handlers import handle_order_created, handle_payment_failed
from shop_shared.contracts import (
    Contact,
)

DIGEST_KEY = b"the unit tests' destination digest key"
PHONE = {"phone": "+15555550100"}
CAP = DestinationCap(10, DIGEST_KEY)


def capped(harness: Any, messages_per_hour: int) -> Any:
    harness.deps = dataclasses.replace(harness.deps, destination_cap=DestinationCap(messages_per_hour, DIGEST_KEY))
    return harness


async def statuses(harness: Any, *customers: str) -> list[NotificationStatus]:
    """Each customer's notification statuses, customer by customer."""
    found = []
    for customer in customers:
        found += [record.status for record in await harness.notifications.list_for_customer(customer)]
    return found


# The rules.


def test_variants_of_one_mailbox_have_one_digest() -> None:
    variants = ["jane@example.com", "Jane@Example.COM", "jane+shop@example.com", "JANE+x+y@example.com"]

    assert {normalized_destination(Contact(email=email)) for email in variants} == {"jane@example.com"}
    assert len({CAP.digest(Contact(email=email)) for email in variants}) == 1
    assert CAP.digest(Contact(email="john@example.com")) != CAP.digest(Contact(email=variants[0]))


def test_the_digest_is_keyed_so_trying_every_number_does_not_reverse_it() -> None:
    contact = Contact(phone="+15555550100")
    digest = CAP.digest(contact)

    assert digest == hmac.new(DIGEST_KEY, b"sms:+15555550100", hashlib.sha256).hexdigest()
    assert digest != hashlib.sha256(b"sms:+15555550100").hexdigest()  # what anyone could compute without the key
    assert "5555550100" not in digest
    assert CAP.digest(Contact(phone="+15555550101")) != digest
    assert DestinationCap(10, b"another key of the destination digests").digest(contact) != digest


def test_windows_are_clock_hours() -> None:
    cap = DestinationCap(5, DIGEST_KEY)
    window = cap.window_at(datetime(2026, 1, 15, 9, 59, 59, tzinfo=UTC))

    assert (window.start, window.end) == (datetime(2026, 1, 15, 9, tzinfo=UTC), datetime(2026, 1, 15, 10, tzinfo=UTC))
    assert window.expires_at == int(datetime(2026, 1, 15, 10, tzinfo=UTC).timestamp())
    assert cap.window_at(datetime(2026, 1, 15, 10, tzinfo=UTC)).start == window.end


def test_a_cap_of_nothing_or_a_short_key_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        DestinationCap(0, DIGEST_KEY)
    with pytest.raises(ValueError, match="at least 32 bytes"):
        DestinationCap(10, b"short")


def test_a_suppressed_record_is_settled_for_every_later_delivery() -> None:
    now = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
    record = new_notification(
        customer_id="cust-1",
        event_id="evt-1",
        event_type="order.created",
        contact=Contact(phone="+15555550100"),
        message=order_confirmed("ord-1", Decimal("1.00"), "USD"),
        now=now,
    ).model_copy(update={"status": NotificationStatus.SUPPRESSED})

    for policy in DeliveryPolicy:
        assert claim_outcome(record, now + timedelta(hours=1), policy) is ClaimOutcome.ALREADY_SUPPRESSED


# The handlers.


async def test_messages_past_the_cap_are_suppressed_not_sent_and_not_raised(harness: Any) -> None:
    capped(harness, 3)
    customers = [f"cust-{index}" for index in range(5)]  # five customers, one phone number

    for customer in customers:
        await handle_order_created(harness.order_created(customer, PHONE), harness.deps)

    assert len(harness.sms.attempts) == 3
    assert await statuses(harness, *customers) == [NotificationStatus.SENT] * 3 + [NotificationStatus.SUPPRESSED] * 2
    [suppressed] = await harness.notifications.list_for_customer("cust-4")
    assert suppressed.error == "destination_cap: 3 messages to this destination this hour already"
    assert suppressed.sent_at is None and suppressed.provider_message_id is None
    assert harness.metrics.suppressions == [TemplateName.ORDER_CONFIRMED] * 2


async def test_the_next_hour_sends_again(harness: Any) -> None:
    capped(harness, 1)
    await handle_order_created(harness.order_created("cust-1", PHONE), harness.deps)
    harness.clock.advance(60)
    await handle_order_created(harness.order_created("cust-2", PHONE), harness.deps)
    harness.clock.now = datetime(2026, 1, 15, 10, tzinfo=UTC)  # the clock's next hour (it starts at 09:30)
    await handle_order_created(harness.order_created("cust-3", PHONE), harness.deps)

    assert await statuses(harness, "cust-1", "cust-2", "cust-3") == [
        NotificationStatus.SENT,
        NotificationStatus.SUPPRESSED,
        NotificationStatus.SENT,
    ]


async def test_other_destinations_are_not_capped(harness: Any) -> None:
    capped(harness, 1)
    await handle_order_created(harness.order_created("cust-1", PHONE), harness.deps)
    await handle_order_created(harness.order_created("cust-1", {"phone": "+15555550199"}), harness.deps)
    await handle_order_created(harness.order_created("cust-2", {"email": "jane@example.com"}), harness.deps)

    assert len(harness.sms.attempts) == 2 and len(harness.email.attempts) == 1


async def test_variants_of_one_address_share_its_cap(harness: Any) -> None:
    capped(harness, 2)
    for customer, email in [("c-1", "jane@example.com"), ("c-2", "Jane+a@example.com"), ("c-3", "JANE+b@EXAMPLE.com")]:
        await handle_order_created(harness.order_created(customer, {"email": email}), harness.deps)

    assert len(harness.email.attempts) == 2
    assert await statuses(harness, "c-3") == [NotificationStatus.SUPPRESSED]


async def test_a_redelivered_event_is_not_counted_twice(harness: Any) -> None:
    capped(harness, 2)
    first = harness.order_created("cust-1", PHONE)
    for _ in range(3):
        await handle_order_created(first, harness.deps)
    await handle_order_created(harness.order_created("cust-2", PHONE), harness.deps)

    assert len(harness.sms.attempts) == 2
    assert await statuses(harness, "cust-1", "cust-2") == [NotificationStatus.SENT] * 2


async def test_a_retry_after_a_failed_send_is_not_counted_twice(harness: Any) -> None:
    capped(harness, 2)
    first = harness.order_created("cust-1", PHONE)
    harness.sms.failures = 1
    with pytest.raises(SendRejected):
        await handle_order_created(first, harness.deps)

    await handle_order_created(first, harness.deps)  # the redelivery sends it
    await handle_order_created(harness.order_created("cust-2", PHONE), harness.deps)
    await handle_order_created(harness.order_created("cust-3", PHONE), harness.deps)

    assert await statuses(harness, "cust-1", "cust-2", "cust-3") == [
        NotificationStatus.SENT,
        NotificationStatus.SENT,
        NotificationStatus.SUPPRESSED,
    ]


async def test_a_suppressed_event_redelivered_stays_suppressed_and_is_counted_once(harness: Any) -> None:
    capped(harness, 1)
    await handle_order_created(harness.order_created("cust-1", PHONE), harness.deps)
    suppressed = harness.order_created("cust-2", PHONE)
    await handle_order_created(suppressed, harness.deps)
    harness.clock.now = datetime(2026, 1, 15, 10, tzinfo=UTC)  # even in an hour with room

    await handle_order_created(suppressed, harness.deps)

    assert len(harness.sms.attempts) == 1
    assert await statuses(harness, "cust-2") == [NotificationStatus.SUPPRESSED]
    assert harness.metrics.suppressions == [TemplateName.ORDER_CONFIRMED]
    assert all(len(ids) <= 1 for ids in harness.destinations.counted.values())


async def test_payment_failed_messages_count_against_the_same_cap(harness: Any) -> None:
    capped(harness, 1)
    await handle_order_created(harness.order_created("cust-1", PHONE), harness.deps)

    await handle_payment_failed(harness.payment_failed("cust-1", reason_code="card_declined"), harness.deps)

    records = await harness.notifications.list_for_customer("cust-1")
    assert {record.template: record.status for record in records} == {
        TemplateName.ORDER_CONFIRMED: NotificationStatus.SENT,
        TemplateName.PAYMENT_FAILED: NotificationStatus.SUPPRESSED,
    }
    assert harness.metrics.suppressions == [TemplateName.PAYMENT_FAILED]


async def test_a_counter_that_cannot_be_reached_sends_nothing_and_the_redelivery_does(harness: Any) -> None:
    envelope = harness.order_created("cust-1", PHONE)
    harness.destinations.unavailable = True

    with pytest.raises(ConnectionError):
        await handle_order_created(envelope, harness.deps)

    assert harness.sms.attempts == []
    [unsent] = await harness.notifications.list_for_customer("cust-1")
    assert unsent.status is NotificationStatus.FAILED and unsent.error == "not sent: ConnectionError"
    harness.destinations.unavailable = False
    harness.clock.advance(timedelta(minutes=1).total_seconds())
    await handle_order_created(envelope, harness.deps)
    assert len(harness.sms.attempts) == 1
    assert await statuses(harness, "cust-1") == [NotificationStatus.SENT]
