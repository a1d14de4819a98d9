"""The cap per destination and hour on the emulators: the counter on DynamoDB (moto's server, the topology's
`notification-destination-counts` table), and the handlers with the real claim, KMS and SNS (LocalStack): what
the phone receives stops at the cap, the rest is recorded SUPPRESSED, and nothing is counted twice."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import aioboto3
import pytest
from shop_notifications.adapters.contact_decryption import KmsContactDecryptor
from shop_notifications.adapters.contact_directory import DynamoDbContactDirectory
from shop_notifications.adapters.destination_counts import DynamoDbDestinationCounter, destination_window_key
from shop_notifications.adapters.notification_repository import DynamoDbNotificationRepository
from shop_notifications.adapters.sms import SnsSmsSender
from shop_notifications.domain.destination_cap import DestinationCap
from shop_notifications.domain.notification import NotificationStatus
from shop_notifications.handlers import Dependencies, handle_order_created
from shop_shared.aws import from_item, to_item
from shop_shared.contracts import Channel, Contact, EventEnvelope, OrderCreated, OrderCreatedLine, new_envelope
from shop_shared.topology import DeployedTopology

pytestmark = pytest.mark.integration

CAP = DestinationCap(2, b"the integration tests' destination digest key")
HOUR = CAP.window_at(datetime(2026, 1, 15, 9, 30, tzinfo=UTC))


@pytest.fixture
async def clients(local_aws: Any) -> AsyncIterator[dict[str, Any]]:
    session = aioboto3.Session()
    async with AsyncExitStack() as stack:
        yield {name: await stack.enter_async_context(session.client(name)) for name in ("dynamodb", "kms", "sns")}


@pytest.fixture
def counter(clients: dict[str, Any], deployed_topology: DeployedTopology) -> DynamoDbDestinationCounter:
    return DynamoDbDestinationCounter(clients["dynamodb"], deployed_topology.name("notification-destination-counts"))


async def counted_ids(clients: dict[str, Any], topology: DeployedTopology, key: str) -> set[str]:
    response = await clients["dynamodb"].get_item(
        TableName=topology.name("notification-destination-counts"),
        Key=to_item({"destination_window": key}),
        ConsistentRead=True,
    )
    return set(from_item(response["Item"])["notification_ids"]) if "Item" in response else set()


def a_phone() -> str:
    return f"+1555{uuid.uuid4().int % 10**7:07d}"


async def test_the_counter_counts_each_notification_once_up_to_the_limit(
    counter: DynamoDbDestinationCounter, clients: dict[str, Any], deployed_topology: DeployedTopology
) -> None:
    destination = CAP.digest(Contact(phone=a_phone()))

    answers = [await counter.count(destination, notification, HOUR, limit=2) for notification in ("a", "b", "a", "c")]

    assert answers == [True, True, True, False], "a again passes without a count; c finds the hour full"
    key = destination_window_key(destination, HOUR)
    assert await counted_ids(clients, deployed_topology, key) == {"a", "b"}
    later = CAP.window_at(HOUR.end)
    assert await counter.count(destination, "c", later, limit=2), "the next hour starts from zero"
    described = await clients["dynamodb"].describe_time_to_live(
        TableName=deployed_topology.name("notification-destination-counts")
    )
    assert described["TimeToLiveDescription"] == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}


async def test_concurrent_deliveries_never_pass_more_than_the_limit(counter: DynamoDbDestinationCounter) -> None:
    destination = CAP.digest(Contact(phone=a_phone()))

    answers = await asyncio.gather(*(counter.count(destination, f"n-{index}", HOUR, limit=4) for index in range(12)))

    assert sum(answers) == 4


def dependencies(clients: dict[str, Any], topology: DeployedTopology, cap: int) -> Dependencies:
    return Dependencies(
        contacts=DynamoDbContactDirectory(clients["dynamodb"], topology.name("notification-contacts")),
        decryptor=KmsContactDecryptor(clients["kms"], topology.kms_alias("customer-contact")),
        notifications=DynamoDbNotificationRepository(clients["dynamodb"], topology.name("notifications")),
        senders={Channel.SMS: SnsSmsSender(clients["sns"])},
        destinations=DynamoDbDestinationCounter(clients["dynamodb"], topology.name("notification-destination-counts")),
        destination_cap=DestinationCap(cap, CAP.digest_key),
    )


async def an_order(contact_sealer: Any, phone: str) -> tuple[str, EventEnvelope[OrderCreated]]:
    customer_id, order_id = f"cust-{uuid.uuid4().hex}", str(uuid.uuid4())
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
    return customer_id, envelope


async def test_messages_to_one_phone_stop_at_the_cap_and_the_rest_are_suppressed(
    clients: dict[str, Any], deployed_topology: DeployedTopology, contact_sealer: Any, localstack_outbox: Any
) -> None:
    deps = dependencies(clients, deployed_topology, cap=2)
    phone = a_phone()
    orders = [await an_order(contact_sealer, phone) for _ in range(3)]  # three customers name one phone

    for _, envelope in orders:
        await handle_order_created(envelope, deps)
    for _, envelope in orders:  # every event delivered again: nothing more sent, nothing counted twice
        await handle_order_created(envelope, deps)

    assert len(await localstack_outbox.sms_to(phone)) == 2
    statuses = []
    for customer_id, _ in orders:
        [record] = await deps.notifications.list_for_customer(customer_id)
        statuses.append(record.status)
    assert statuses == [NotificationStatus.SENT, NotificationStatus.SENT, NotificationStatus.SUPPRESSED]
    [suppressed] = await deps.notifications.list_for_customer(orders[2][0])
    assert suppressed.error is not None and suppressed.error.startswith("destination_cap")
    key = destination_window_key(
        deps.destination_cap.digest(Contact(phone=phone)), deps.destination_cap.window_at(deps.clock())
    )
    assert len(await counted_ids(clients, deployed_topology, key)) == 2


async def test_the_counts_never_hold_the_destination(
    clients: dict[str, Any], deployed_topology: DeployedTopology, contact_sealer: Any
) -> None:
    deps = dependencies(clients, deployed_topology, cap=5)
    phone = a_phone()
    _, envelope = await an_order(contact_sealer, phone)
    await handle_order_created(envelope, deps)

    items = await clients["dynamodb"].scan(TableName=deployed_topology.name("notification-destination-counts"))
    stored = repr([from_item(item) for item in items["Items"]])
    assert deps.destination_cap.digest(Contact(phone=phone)) in stored
    assert phone.removeprefix("+") not in stored
