"""Handlers with in-memory fakes: directory, templates, and the send-once rules of the notification record."""

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from shop_notifications.domain.notification import NotificationStatus
from shop_notifications.domain.templates import DeliveryPolicy, TemplateName
from shop_notifications.exceptions import (
    ContactNotFound,
    ContactUnreadable,
    NotificationInProgress,
    ProviderUnreachable,
    SendOutcomeUnknown,
    SendRejected,
)
from shop_notifications.handlers import handle_order_created, handle_payment_failed, handle_tier_changed
from shop_shared.contracts import (
    Channel,
    EventEnvelope,
    LoyaltyTierChanged,
    new_envelope,
)

PHONE = {"phone": "+15555550100"}
EMAIL = {"email": "jane@example.com"}


def tier_changed(customer_id: str) -> EventEnvelope[LoyaltyTierChanged]:
    return new_envelope(
        LoyaltyTierChanged(
            customer_id=customer_id, previous_tier="SILVER", new_tier="GOLD", qualifying_points=1200, as_of="2026-01"
        ),
        correlation_id="tier-run-2026-01",
    )


async def test_order_created_sends_an_sms_and_records_it(harness: Any) -> None:
    envelope = harness.order_created("cust-1", PHONE)

    await handle_order_created(envelope, harness.deps)

    assert [address for address, _ in harness.sms.attempts] == ["+15555550100"]
    [record] = await harness.notifications.list_for_customer("cust-1")
    assert record.status is NotificationStatus.SENT
    assert record.notification_id == f"{envelope.metadata.event_id}:order_confirmed"
    assert record.channel is Channel.SMS
    assert record.masked_destination == "+1555\u2022\u2022\u20220100"
    assert record.provider_message_id == "sms-message-1"
    assert record.sent_at == harness.clock.now
    assert "42.50 USD" in record.message and "5550100" not in record.message
    assert harness.email.attempts == []


async def test_order_created_stores_the_ciphertext_never_the_contact(harness: Any) -> None:
    envelope = harness.order_created("cust-1", PHONE)

    await handle_order_created(envelope, harness.deps)

    assert harness.contacts.entries["cust-1"] == (envelope.data.contact_ciphertext, envelope.metadata.occurred_at)


async def test_the_same_event_twice_sends_once(harness: Any) -> None:
    envelope = harness.order_created("cust-1", PHONE)

    await handle_order_created(envelope, harness.deps)
    harness.clock.advance(3600)
    await handle_order_created(envelope, harness.deps)

    assert len(harness.sms.attempts) == 1
    assert len(await harness.notifications.list_for_customer("cust-1")) == 1


async def test_a_failed_send_is_recorded_and_the_retry_sends_it_once(harness: Any) -> None:
    envelope = harness.order_created("cust-1", PHONE)
    harness.sms.failures = 1

    with pytest.raises(SendRejected):
        await handle_order_created(envelope, harness.deps)
    [failed] = await harness.notifications.list_for_customer("cust-1")
    assert failed.status is NotificationStatus.FAILED
    assert failed.error == "SendRejected: Throttling"

    await handle_order_created(envelope, harness.deps)  # the redelivery
    await handle_order_created(envelope, harness.deps)  # and one more duplicate

    assert len(harness.sms.attempts) == 2
    [sent] = await harness.notifications.list_for_customer("cust-1")
    assert sent.status is NotificationStatus.SENT
    assert sent.attempts == 2
    assert sent.error is None
    assert sent.created_at == failed.created_at


async def test_a_notification_being_sent_by_another_delivery_is_not_sent_again(harness: Any) -> None:
    envelope = harness.order_created("cust-1", PHONE)
    notification_id = f"{envelope.metadata.event_id}:order_confirmed"
    await handle_order_created(envelope, harness.deps)
    record = harness.notifications.records[("cust-1", notification_id)]
    # As if another consumer had just claimed it and were still waiting for the provider.
    harness.notifications.records[("cust-1", notification_id)] = record.model_copy(
        update={"status": NotificationStatus.SENDING, "claimed_at": harness.clock.now}
    )
    harness.clock.advance(5)

    with pytest.raises(NotificationInProgress):
        await handle_order_created(envelope, harness.deps)

    assert len(harness.sms.attempts) == 1


def crash_mid_send(harness: Any, customer_id: str, notification_id: str) -> None:
    """As if the delivery that sent it had died before recording the outcome: the record stays SENDING."""
    key = (customer_id, notification_id)
    harness.notifications.records[key] = harness.notifications.records[key].model_copy(
        update={"status": NotificationStatus.SENDING, "claimed_at": harness.clock.now, "sent_at": None}
    )


async def test_a_claim_left_by_a_crashed_delivery_is_not_resent_when_a_duplicate_is_worse(harness: Any) -> None:
    envelope = harness.order_created("cust-1", PHONE)  # order_confirmed: at most once
    notification_id = f"{envelope.metadata.event_id}:order_confirmed"
    await handle_order_created(envelope, harness.deps)
    crash_mid_send(harness, "cust-1", notification_id)
    harness.clock.advance(29)

    with pytest.raises(NotificationInProgress):  # within the lease it may still be sending
        await handle_order_created(envelope, harness.deps)
    harness.clock.advance(2)  # the lease (30 s) has expired: the holder is gone, the outcome unknown
    await handle_order_created(envelope, harness.deps)
    await handle_order_created(envelope, harness.deps)  # and one more duplicate

    assert len(harness.sms.attempts) == 1
    record = harness.notifications.records[("cust-1", notification_id)]
    assert record.status is NotificationStatus.UNKNOWN
    assert harness.metrics.ambiguous == [(TemplateName.ORDER_CONFIRMED, DeliveryPolicy.AT_MOST_ONCE)]


async def test_a_claim_left_by_a_crashed_delivery_is_resent_when_a_miss_is_worse(harness: Any) -> None:
    await handle_order_created(harness.order_created("cust-1", PHONE), harness.deps)
    failed = harness.payment_failed("cust-1")  # payment_failed: at least once
    notification_id = f"{failed.metadata.event_id}:payment_failed"
    await handle_payment_failed(failed, harness.deps)
    crash_mid_send(harness, "cust-1", notification_id)
    harness.clock.advance(29)

    with pytest.raises(NotificationInProgress):
        await handle_payment_failed(failed, harness.deps)
    harness.clock.advance(2)
    await handle_payment_failed(failed, harness.deps)
    await handle_payment_failed(failed, harness.deps)

    assert [message.template for _, message in harness.sms.attempts].count(TemplateName.PAYMENT_FAILED) == 2
    record = harness.notifications.records[("cust-1", notification_id)]
    assert (record.status, record.attempts) == (NotificationStatus.SENT, 2)
    assert harness.metrics.ambiguous == [(TemplateName.PAYMENT_FAILED, DeliveryPolicy.AT_LEAST_ONCE)]


@pytest.mark.parametrize(
    "error",
    [SendRejected(Channel.SMS, "Throttling"), ProviderUnreachable(Channel.SMS, "EndpointConnectionError")],
    ids=["rejected", "unreachable"],
)
async def test_a_definite_failure_is_retried_even_when_a_duplicate_is_worse(harness: Any, error: Exception) -> None:
    envelope = tier_changed("cust-1")  # tier_changed: at most once
    await handle_order_created(harness.order_created("cust-1", PHONE), harness.deps)
    harness.sms.errors = [error]

    with pytest.raises(type(error)):
        await handle_tier_changed(envelope, harness.deps)
    record = harness.notifications.records[("cust-1", f"{envelope.metadata.event_id}:tier_changed")]
    assert (record.status, record.error) == (NotificationStatus.FAILED, f"{type(error).__name__}: {error.code}")  # type: ignore[attr-defined]

    await handle_tier_changed(envelope, harness.deps)  # the redelivery

    offers = [message for _, message in harness.sms.attempts if message.template == TemplateName.TIER_CHANGED]
    assert len(offers) == 2
    assert harness.notifications.records[record.customer_id, record.notification_id].status is NotificationStatus.SENT
    assert harness.metrics.ambiguous == []


@pytest.mark.parametrize(
    "error",
    [
        SendOutcomeUnknown(Channel.SMS, "ReadTimeoutError"),
        SendOutcomeUnknown(Channel.SMS, "InternalError"),
        RuntimeError("bug"),
    ],
    ids=["read-timeout", "5xx", "unexpected"],
)
async def test_an_ambiguous_send_is_not_resent_when_a_duplicate_is_worse(harness: Any, error: Exception) -> None:
    envelope = harness.order_created("cust-1", PHONE)
    harness.sms.errors = [error]

    await handle_order_created(envelope, harness.deps)  # handled: the message is deleted, not redelivered
    await handle_order_created(envelope, harness.deps)  # a duplicate delivery anyway

    assert len(harness.sms.attempts) == 1
    [record] = await harness.notifications.list_for_customer("cust-1")
    assert record.status is NotificationStatus.UNKNOWN
    assert record.error is not None and record.error.startswith("maybe sent, not resent")
    assert harness.metrics.ambiguous == [(TemplateName.ORDER_CONFIRMED, DeliveryPolicy.AT_MOST_ONCE)]


async def test_an_ambiguous_send_is_resent_when_a_miss_is_worse(harness: Any) -> None:
    await handle_order_created(harness.order_created("cust-1", PHONE), harness.deps)
    failed = harness.payment_failed("cust-1")
    harness.sms.errors = [SendOutcomeUnknown(Channel.SMS, "ConnectionClosedError")]

    with pytest.raises(SendOutcomeUnknown):  # left for redelivery
        await handle_payment_failed(failed, harness.deps)
    record = harness.notifications.records[("cust-1", f"{failed.metadata.event_id}:payment_failed")]
    assert record.status is NotificationStatus.FAILED
    assert record.error == "maybe sent, resending: SendOutcomeUnknown: ConnectionClosedError"

    await handle_payment_failed(failed, harness.deps)  # the redelivery resends at once (no lease to wait out)

    reminders = [message for _, message in harness.sms.attempts if message.template == TemplateName.PAYMENT_FAILED]
    assert len(reminders) == 2
    assert harness.notifications.records[record.customer_id, record.notification_id].status is NotificationStatus.SENT
    assert harness.metrics.ambiguous == [(TemplateName.PAYMENT_FAILED, DeliveryPolicy.AT_LEAST_ONCE)]


async def test_a_send_longer_than_the_send_timeout_is_cut_off_and_ambiguous(harness: Any) -> None:
    deps = dataclasses.replace(harness.deps, send_timeout=timedelta(milliseconds=50))
    harness.sms.hang = asyncio.Event()  # never set: the provider never answers
    envelope = harness.order_created("cust-1", PHONE)

    # The outer bound only keeps a broken implementation from hanging the suite.
    await asyncio.wait_for(handle_order_created(envelope, deps), timeout=5)

    [record] = await harness.notifications.list_for_customer("cust-1")
    assert (record.status, record.error) == (NotificationStatus.UNKNOWN, "maybe sent, not resent: TimeoutError")
    assert harness.metrics.ambiguous == [(TemplateName.ORDER_CONFIRMED, DeliveryPolicy.AT_MOST_ONCE)]


async def test_an_ambiguous_send_that_cannot_be_recorded_is_abandoned_by_the_redelivery(harness: Any) -> None:
    envelope = harness.order_created("cust-1", PHONE)
    harness.sms.errors = [SendOutcomeUnknown(Channel.SMS, "ReadTimeoutError")]

    async def table_down(*_: Any, **__: Any) -> None:
        raise ConnectionError("dynamodb unreachable")

    recording = harness.notifications.mark_unknown
    harness.notifications.mark_unknown = table_down
    with pytest.raises(ConnectionError):  # left for redelivery, the record still SENDING
        await handle_order_created(envelope, harness.deps)
    harness.notifications.mark_unknown = recording
    harness.clock.advance(31)
    await handle_order_created(envelope, harness.deps)

    assert len(harness.sms.attempts) == 1
    [record] = await harness.notifications.list_for_customer("cust-1")
    assert record.status is NotificationStatus.UNKNOWN


def test_the_lease_must_outlive_the_send(harness: Any) -> None:
    with pytest.raises(ValueError, match="does not outlive"):
        dataclasses.replace(harness.deps, sending_lease=timedelta(seconds=15), send_timeout=timedelta(seconds=10))
    dataclasses.replace(harness.deps, sending_lease=timedelta(seconds=20), send_timeout=timedelta(seconds=10))


async def test_a_sent_notification_is_never_sent_again(harness: Any) -> None:
    await handle_order_created(harness.order_created("cust-1", PHONE), harness.deps)
    failed = harness.payment_failed("cust-1")
    await handle_payment_failed(failed, harness.deps)

    for _ in range(3):
        harness.clock.advance(86400)
        await handle_payment_failed(failed, harness.deps)

    assert len(harness.sms.attempts) == 2
    assert {r.template for r in await harness.notifications.list_for_customer("cust-1")} == {
        "order_confirmed",
        "payment_failed",
    }


async def test_payment_failed_without_a_contact_raises_and_sends_nothing(harness: Any) -> None:
    with pytest.raises(ContactNotFound):
        await handle_payment_failed(harness.payment_failed("cust-unknown"), harness.deps)
    with pytest.raises(ContactNotFound):
        await handle_tier_changed(tier_changed("cust-unknown"), harness.deps)

    assert harness.sms.attempts == [] and harness.email.attempts == []
    assert await harness.notifications.list_for_customer("cust-unknown") == []


async def test_payment_failed_uses_the_contact_on_file_and_its_channel(harness: Any) -> None:
    await handle_order_created(harness.order_created("cust-2", EMAIL), harness.deps)
    harness.clock.advance(1)

    await handle_payment_failed(harness.payment_failed("cust-2"), harness.deps)

    [(address, message)] = [attempt for attempt in harness.email.attempts if attempt[1].template == "payment_failed"]
    assert address == "jane@example.com"
    assert "update your payment details" in message.text
    newest, oldest = await harness.notifications.list_for_customer("cust-2")
    assert (newest.template, oldest.template) == ("payment_failed", "order_confirmed")
    assert newest.masked_destination == "j\u2022\u2022\u2022@example.com"


async def test_tier_changed_sends_the_offer_of_the_new_tier(harness: Any) -> None:
    await handle_order_created(harness.order_created("cust-3", PHONE), harness.deps)

    await handle_tier_changed(tier_changed("cust-3"), harness.deps)

    assert "GOLD10" in harness.sms.attempts[-1][1].text


async def test_the_newest_contact_wins_even_when_an_older_event_arrives_last(harness: Any) -> None:
    now = datetime.now(UTC)
    newer = harness.order_created("cust-4", EMAIL, occurred_at=now)
    older = harness.order_created("cust-4", PHONE, occurred_at=now - timedelta(minutes=5))

    await handle_order_created(newer, harness.deps)
    await handle_order_created(older, harness.deps)  # still confirmed, to the contact of that order
    await handle_payment_failed(harness.payment_failed("cust-4"), harness.deps)

    assert harness.contacts.entries["cust-4"][0] == newer.data.contact_ciphertext
    assert len(harness.sms.attempts) == 1
    assert [message.template for _, message in harness.email.attempts] == ["order_confirmed", "payment_failed"]


async def test_an_unreadable_contact_raises_and_keeps_the_directory(harness: Any) -> None:
    await handle_order_created(harness.order_created("cust-5", PHONE), harness.deps)
    stolen = harness.order_created("someone-else", EMAIL).data.contact_ciphertext  # sealed for another customer
    envelope = harness.order_created("cust-5", PHONE)
    bad = envelope.model_copy(update={"data": envelope.data.model_copy(update={"contact_ciphertext": stolen})})

    with pytest.raises(ContactUnreadable):
        await handle_order_created(bad, harness.deps)

    assert harness.contacts.entries["cust-5"][0] != stolen
    assert len(harness.sms.attempts) == 1 and harness.email.attempts == []
