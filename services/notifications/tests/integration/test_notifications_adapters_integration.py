"""The adapters against the emulators: DynamoDB claims and directory (moto), KMS, SNS SMS and SES e-mail."""

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import aioboto3
import pytest
from shop_notifications.adapters.contact_decryption import KmsContactDecryptor
from shop_notifications.adapters.contact_directory import DynamoDbContactDirectory
from shop_notifications.adapters.email import SesEmailSender
from shop_notifications.adapters.notification_repository import DynamoDbNotificationRepository
from shop_notifications.adapters.sms import SnsSmsSender
from shop_notifications.domain.notification import ClaimOutcome, NotificationStatus, new_notification
from shop_notifications.domain.templates import DeliveryPolicy, order_confirmed
from shop_notifications.exceptions import ContactUnreadable, SendRejected
from shop_shared.contracts import Channel, Contact
from shop_shared.topology import DeployedTopology

pytestmark = pytest.mark.integration

LEASE = timedelta(seconds=30)
AT_LEAST_ONCE, AT_MOST_ONCE = DeliveryPolicy.AT_LEAST_ONCE, DeliveryPolicy.AT_MOST_ONCE


@pytest.fixture
async def clients(local_aws: Any) -> AsyncIterator[dict[str, Any]]:
    session = aioboto3.Session()
    async with AsyncExitStack() as stack:
        yield {
            name: await stack.enter_async_context(session.client(name)) for name in ("dynamodb", "kms", "sns", "ses")
        }


def unique_customer() -> str:
    return f"cust-{uuid.uuid4().hex}"


def a_notification(customer_id: str, now: datetime) -> Any:
    return new_notification(
        customer_id=customer_id,
        event_id=str(uuid.uuid4()),
        event_type="order.created",
        contact=Contact(phone="+15555550100"),
        message=order_confirmed("ord-1", Decimal("9.99"), "USD"),
        now=now,
    )


async def test_a_claim_is_taken_once_until_it_fails_or_goes_stale(
    clients: dict[str, Any], deployed_topology: DeployedTopology
) -> None:
    repository = DynamoDbNotificationRepository(clients["dynamodb"], deployed_topology.name("notifications"))
    start = datetime.now(UTC)
    notification = a_notification(unique_customer(), start)
    customer, notification_id = notification.customer_id, notification.notification_id

    assert (
        await repository.claim(notification, stale_before=start - LEASE, policy=AT_LEAST_ONCE) is ClaimOutcome.CLAIMED
    )
    assert (
        await repository.claim(notification, stale_before=start - LEASE, policy=AT_LEAST_ONCE)
        is ClaimOutcome.IN_PROGRESS
    )

    await repository.mark_failed(customer, notification_id, error="SendRejected: Throttling", failed_at=start)
    [failed] = await repository.list_for_customer(customer)
    assert (failed.status, failed.error) == (NotificationStatus.FAILED, "SendRejected: Throttling")

    later = start + timedelta(seconds=5)
    retry = notification.model_copy(update={"claimed_at": later})
    assert await repository.claim(retry, stale_before=later - LEASE, policy=AT_LEAST_ONCE) is ClaimOutcome.CLAIMED
    # Stale only after the lease: a delivery that crashed mid-send is taken over.
    much_later = later + LEASE + timedelta(seconds=1)
    takeover = notification.model_copy(update={"claimed_at": much_later})
    assert (
        await repository.claim(takeover, stale_before=later - LEASE, policy=AT_LEAST_ONCE) is ClaimOutcome.IN_PROGRESS
    )
    assert await repository.claim(takeover, stale_before=much_later - LEASE, policy=AT_LEAST_ONCE) is (
        ClaimOutcome.RESUMED
    )

    await repository.mark_sent(customer, notification_id, provider_message_id="msg-1", sent_at=much_later)
    await repository.mark_failed(customer, notification_id, error="late", failed_at=much_later)  # never undoes SENT
    assert await repository.claim(takeover, stale_before=much_later, policy=AT_LEAST_ONCE) is (
        ClaimOutcome.ALREADY_SENT
    )

    [sent] = await repository.list_for_customer(customer)
    assert sent.status is NotificationStatus.SENT
    assert sent.provider_message_id == "msg-1"
    assert sent.attempts == 3
    assert sent.error is None
    assert abs(sent.created_at - start) < timedelta(milliseconds=1)
    assert sent.sent_at is not None and abs(sent.sent_at - much_later) < timedelta(milliseconds=1)
    assert sent.masked_destination == "+1555\u2022\u2022\u20220100"


async def test_a_stale_claim_of_an_at_most_once_template_is_recorded_unknown_never_taken_over(
    clients: dict[str, Any], deployed_topology: DeployedTopology
) -> None:
    repository = DynamoDbNotificationRepository(clients["dynamodb"], deployed_topology.name("notifications"))
    start = datetime.now(UTC)
    notification = a_notification(unique_customer(), start)
    customer, notification_id = notification.customer_id, notification.notification_id
    assert await repository.claim(notification, stale_before=start - LEASE, policy=AT_MOST_ONCE) is ClaimOutcome.CLAIMED

    later = start + LEASE - timedelta(seconds=1)
    duplicate = notification.model_copy(update={"claimed_at": later})
    assert await repository.claim(duplicate, stale_before=later - LEASE, policy=AT_MOST_ONCE) is (
        ClaimOutcome.IN_PROGRESS
    )
    much_later = start + LEASE + timedelta(seconds=1)  # the holder died mid-send
    duplicate = notification.model_copy(update={"claimed_at": much_later})
    assert await repository.claim(duplicate, stale_before=much_later - LEASE, policy=AT_MOST_ONCE) is (
        ClaimOutcome.ABANDONED
    )
    assert await repository.claim(duplicate, stale_before=much_later, policy=AT_MOST_ONCE) is (
        ClaimOutcome.ALREADY_UNKNOWN
    )
    [record] = await repository.list_for_customer(customer)
    assert (record.status, record.attempts) == (NotificationStatus.UNKNOWN, 1)
    assert record.error == "maybe sent, not resent: the sending delivery stopped mid-send"

    # A failed send is still retried at most once too: FAILED means "certainly not sent".
    other = a_notification(customer, start)
    await repository.claim(other, stale_before=start - LEASE, policy=AT_MOST_ONCE)
    await repository.mark_failed(customer, other.notification_id, error="SendRejected: Throttling", failed_at=start)
    assert await repository.claim(other, stale_before=start - LEASE, policy=AT_MOST_ONCE) is ClaimOutcome.CLAIMED
    await repository.mark_unknown(customer, other.notification_id, error="maybe sent", failed_at=start)
    assert await repository.claim(other, stale_before=much_later, policy=AT_MOST_ONCE) is ClaimOutcome.ALREADY_UNKNOWN
    await repository.mark_sent(customer, notification_id, provider_message_id="late", sent_at=much_later)
    await repository.mark_unknown(customer, notification_id, error="late", failed_at=much_later)  # never undoes SENT
    statuses = {item.notification_id: item.status for item in await repository.list_for_customer(customer)}
    assert statuses == {notification_id: NotificationStatus.SENT, other.notification_id: NotificationStatus.UNKNOWN}


async def test_notifications_are_listed_newest_first_and_per_customer(
    clients: dict[str, Any], deployed_topology: DeployedTopology
) -> None:
    repository = DynamoDbNotificationRepository(clients["dynamodb"], deployed_topology.name("notifications"))
    customer, start = unique_customer(), datetime.now(UTC)
    created = [a_notification(customer, start + timedelta(seconds=offset)) for offset in (2, 0, 1)]
    for notification in created:
        await repository.claim(notification, stale_before=start, policy=AT_MOST_ONCE)

    listed = await repository.list_for_customer(customer)

    assert [item.notification_id for item in listed] == [
        created[0].notification_id,
        created[2].notification_id,
        created[1].notification_id,
    ]
    assert await repository.list_for_customer(unique_customer()) == []


async def test_the_directory_keeps_the_newest_ciphertext(
    clients: dict[str, Any], deployed_topology: DeployedTopology
) -> None:
    directory = DynamoDbContactDirectory(clients["dynamodb"], deployed_topology.name("notification-contacts"))
    customer, now = unique_customer(), datetime.now(UTC)

    assert await directory.ciphertext_of(customer) is None
    await directory.save(customer, "newer", now)
    await directory.save(customer, "older", now - timedelta(seconds=1))
    assert await directory.ciphertext_of(customer) == "newer"
    await directory.save(customer, "newest", now + timedelta(microseconds=1))
    assert await directory.ciphertext_of(customer) == "newest"


async def test_kms_decrypts_a_contact_only_for_its_own_customer(
    clients: dict[str, Any], deployed_topology: DeployedTopology, contact_sealer: Any
) -> None:
    decryptor = KmsContactDecryptor(clients["kms"], deployed_topology.kms_alias("customer-contact"))
    customer = unique_customer()
    ciphertext = await contact_sealer.seal({"email": "jane@example.com"}, customer)

    contact = await decryptor.decrypt(ciphertext, customer_id=customer)

    assert (contact.channel, contact.address) == (Channel.EMAIL, "jane@example.com")
    with pytest.raises(ContactUnreadable):
        await decryptor.decrypt(ciphertext, customer_id=unique_customer())
    with pytest.raises(ContactUnreadable):
        await decryptor.decrypt("not base64!", customer_id=customer)
    with pytest.raises(ContactUnreadable, match="not a valid phone number or e-mail") as raised:
        await decryptor.decrypt(await contact_sealer.seal({"phone": "call me"}, customer), customer_id=customer)
    assert "call me" not in str(raised.value) and raised.value.__cause__ is None


async def test_sms_and_email_reach_localstack(
    clients: dict[str, Any], localstack_outbox: Any, deployed_topology: DeployedTopology
) -> None:
    phone = f"+1555{uuid.uuid4().int % 10**7:07d}"
    address = f"{uuid.uuid4().hex}@example.com"
    message = order_confirmed("ord-adapter", Decimal("9.99"), "USD")

    sms_id = await SnsSmsSender(clients["sns"]).send(phone, message)
    email_id = await SesEmailSender(clients["ses"], deployed_topology.topology.email_sender).send(address, message)

    assert sms_id and email_id
    assert await localstack_outbox.sms_to(phone) == [message.text]
    [email] = await localstack_outbox.emails_to(address)
    assert email["Source"] == deployed_topology.topology.email_sender
    assert email["Subject"] == message.subject
    assert email["Body"]["text_part"] == message.text


async def test_an_unverified_sender_is_a_send_rejected(clients: dict[str, Any]) -> None:  # a 4xx: not sent
    sender = SesEmailSender(clients["ses"], f"{uuid.uuid4().hex}@unverified.example")

    with pytest.raises(SendRejected) as raised:
        await sender.send("jane@example.com", order_confirmed("ord-1", Decimal("1"), "USD"))
    assert "jane@example.com" not in str(raised.value)
