"""Ambiguous sends against the emulators: the real claim (DynamoDB on moto), KMS and SNS (LocalStack).

The only stand-in is at the provider boundary: a sender that really publishes to LocalStack and then loses
the answer, i.e. the message went out but the service cannot know it. What the customer's phone then
receives is each template's policy: at most once never twice, at least once possibly twice.
"""

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import timedelta
from decimal import Decimal
from typing import Any

import aioboto3
import pytest
from shop_notifications.adapters.contact_decryption import KmsContactDecryptor
from shop_notifications.adapters.contact_directory import DynamoDbContactDirectory
from shop_notifications.adapters.destination_counts import DynamoDbDestinationCounter
from shop_notifications.adapters.notification_repository import DynamoDbNotificationRepository
from shop_notifications.adapters.sms import SnsSmsSender
from shop_notifications.domain.destination_cap import DestinationCap
from shop_notifications.domain.notification import NotificationStatus
from shop_notifications.domain.templates import RenderedMessage
from shop_notifications.exceptions import SendOutcomeUnknown
from shop_notifications.handlers import Dependencies, handle_order_created, handle_payment_failed
from shop_shared.contracts import Channel, OrderCreated, OrderCreatedLine, PaymentFailed, new_envelope
from shop_shared.topology import DeployedTopology

pytestmark = pytest.mark.integration


class AnswerLost:
    """Publishes for real, then reports the outcome as unknown for the first `lose` sends."""

    def __init__(self, sender: SnsSmsSender, lose: int) -> None:
        self._sender = sender
        self.lose = lose

    async def send(self, address: str, message: RenderedMessage) -> str:
        message_id = await self._sender.send(address, message)
        if self.lose > 0:
            self.lose -= 1
            raise SendOutcomeUnknown(Channel.SMS, "ReadTimeoutError")
        return message_id


@pytest.fixture
async def clients(local_aws: Any) -> AsyncIterator[dict[str, Any]]:
    session = aioboto3.Session()
    async with AsyncExitStack() as stack:
        yield {name: await stack.enter_async_context(session.client(name)) for name in ("dynamodb", "kms", "sns")}


def dependencies(clients: dict[str, Any], topology: DeployedTopology, sender: AnswerLost) -> Dependencies:
    return Dependencies(
        contacts=DynamoDbContactDirectory(clients["dynamodb"], topology.name("notification-contacts")),
        decryptor=KmsContactDecryptor(clients["kms"], topology.kms_alias("customer-contact")),
        notifications=DynamoDbNotificationRepository(clients["dynamodb"], topology.name("notifications")),
        senders={Channel.SMS: sender},
        destinations=DynamoDbDestinationCounter(clients["dynamodb"], topology.name("notification-destination-counts")),
        destination_cap=DestinationCap(10, b"the integration tests' destination digest key"),
        sending_lease=timedelta(seconds=30),
        send_timeout=timedelta(seconds=10),
    )


async def an_order(contact_sealer: Any) -> tuple[str, str, Any]:
    customer_id, phone = f"cust-{uuid.uuid4().hex}", f"+1555{uuid.uuid4().int % 10**7:07d}"
    order_id = str(uuid.uuid4())
    envelope = new_envelope(
        OrderCreated(
            order_id=order_id,
            customer_id=customer_id,
            currency="USD",
            total=Decimal("12.00"),
            items=(OrderCreatedLine(sku="SKU-1", quantity=1, unit_price=Decimal("12.00")),),
            payment_token="tok_test_visa",
            contact_ciphertext=await contact_sealer.seal({"phone": phone}, customer_id),
        ),
        correlation_id=order_id,
    )
    return customer_id, phone, envelope


async def test_an_order_confirmation_whose_answer_was_lost_is_never_sent_twice(
    clients: dict[str, Any], deployed_topology: DeployedTopology, contact_sealer: Any, localstack_outbox: Any
) -> None:
    customer_id, phone, created = await an_order(contact_sealer)
    deps = dependencies(clients, deployed_topology, AnswerLost(SnsSmsSender(clients["sns"]), lose=1))

    await handle_order_created(created, deps)  # handled: SQS would delete the message
    await handle_order_created(created, deps)  # EventBridge delivering the event a second time anyway

    assert len(await localstack_outbox.sms_to(phone)) == 1
    [record] = await deps.notifications.list_for_customer(customer_id)
    assert record.status is NotificationStatus.UNKNOWN
    assert record.error == "maybe sent, not resent: SendOutcomeUnknown: ReadTimeoutError"


async def test_a_payment_failure_whose_answer_was_lost_is_resent(
    clients: dict[str, Any], deployed_topology: DeployedTopology, contact_sealer: Any, localstack_outbox: Any
) -> None:
    customer_id, phone, created = await an_order(contact_sealer)
    sender = AnswerLost(SnsSmsSender(clients["sns"]), lose=0)
    deps = dependencies(clients, deployed_topology, sender)
    await handle_order_created(created, deps)
    failed = new_envelope(
        PaymentFailed(
            payment_id="pay-1",
            order_id=created.data.order_id,
            customer_id=customer_id,
            amount=Decimal("12.00"),
            currency="USD",
            reason_code="card_declined",
        ),
        correlation_id=created.metadata.correlation_id,
    )
    sender.lose = 1

    with pytest.raises(SendOutcomeUnknown):  # left in the queue for redelivery
        await handle_payment_failed(failed, deps)
    await handle_payment_failed(failed, deps)  # the redelivery
    await handle_payment_failed(failed, deps)  # a duplicate after it was recorded SENT

    reminders = [text for text in await localstack_outbox.sms_to(phone) if "payment failed" in text]
    assert len(reminders) == 2  # the accepted cost of at least once: the customer may read it twice
    statuses = {
        item.template: (item.status, item.attempts) for item in await deps.notifications.list_for_customer(customer_id)
    }
    assert statuses["payment_failed"] == (NotificationStatus.SENT, 2)
