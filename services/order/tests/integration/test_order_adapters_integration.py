"""The AWS adapters on the emulators: the order+outbox+idempotency transaction, conditional writes, the
by-customer listing, KMS, failures -> DependencyUnavailable."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from shop_devtools.testing.fixtures import AwsClients
from shop_order.adapters import DynamoDbIdempotencyRecords, DynamoDbOrderRepository, KmsContactEncryption
from shop_order.domain import IdempotencyRecord, Order, OrderStatus, PlaceOrder, StoredResponse
from shop_order.exceptions import DependencyUnavailable, DuplicateOrderId, IdempotencyKeyTaken, InvalidCursor
from shop_shared.contracts import Contact, OrderCreated, new_envelope
from shop_shared.outbox import DynamoDbOutbox, DynamoDbUnitOfWork
from shop_shared.topology import DeployedTopology

pytestmark = pytest.mark.integration

T0 = datetime(2025, 11, 28, 9, 30, tzinfo=UTC)


def new_order(customer_id: str, at: datetime = T0) -> Order:
    command = PlaceOrder.model_validate(
        {
            "customer_id": customer_id,
            "currency": "EUR",
            "items": [{"sku": "SKU-1", "quantity": 3, "unit_price": "0.10"}],
            "payment_token": "tok_success",
            "contact": {"phone": "+15555550100"},
        }
    )
    return Order.place(
        command, order_id=str(uuid.uuid4()), created_event_id=uuid.uuid4(), contact_ciphertext="c2VhbGVk", at=at
    )


def created_event(order: Order) -> Any:
    data = OrderCreated(
        order_id=order.order_id,
        customer_id=order.customer_id,
        currency=order.currency,
        total=order.total,
        items=(),
        payment_token="tok_success",
        contact_ciphertext=order.contact_ciphertext,
    )
    return new_envelope(data, correlation_id=order.order_id)


@pytest.fixture
def outbox(aws: AwsClients, deployed_topology: DeployedTopology) -> DynamoDbOutbox:
    return DynamoDbOutbox(aws.dynamodb, deployed_topology.name("order-outbox"))


@pytest.fixture
def idempotency_records(aws: AwsClients, deployed_topology: DeployedTopology) -> DynamoDbIdempotencyRecords:
    return DynamoDbIdempotencyRecords(aws.dynamodb, deployed_topology.name("order-idempotency"))


@pytest.fixture
def repository(
    aws: AwsClients,
    deployed_topology: DeployedTopology,
    outbox: DynamoDbOutbox,
    idempotency_records: DynamoDbIdempotencyRecords,
) -> DynamoDbOrderRepository:
    unit_of_work = DynamoDbUnitOfWork(aws.dynamodb, outbox)
    return DynamoDbOrderRepository(aws.dynamodb, deployed_topology.name("orders"), unit_of_work, idempotency_records)


def bound(key: str, order: Order, *, at: datetime, ttl: timedelta = timedelta(hours=24)) -> IdempotencyRecord:
    response = StoredResponse(status=201, body=f'{{"order_id":"{order.order_id}"}}')
    return IdempotencyRecord.bind(
        key, request_hash="a" * 64, order_id=order.order_id, response=response, at=at, ttl=ttl
    )


async def outbox_holds(aws: AwsClients, deployed_topology: DeployedTopology, event: Any) -> bool:
    key = {"entry_id": {"S": str(event.metadata.event_id)}}
    table = deployed_topology.name("order-outbox")
    response = await aws.dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True)
    return "Item" in response


async def test_order_and_event_commit_together_or_not_at_all(
    repository: DynamoDbOrderRepository, aws: AwsClients, deployed_topology: DeployedTopology
) -> None:
    order = new_order(f"it-{uuid.uuid4().hex}")
    first, second = created_event(order), created_event(order)

    await repository.add(order, [first])
    with pytest.raises(DuplicateOrderId):
        await repository.add(order.model_copy(update={"customer_id": "someone-else"}), [second])

    assert await repository.get(order.order_id) == order
    assert await outbox_holds(aws, deployed_topology, first)
    assert not await outbox_holds(aws, deployed_topology, second)


async def test_status_change_is_conditional_on_the_expected_status(repository: DynamoDbOrderRepository) -> None:
    order = new_order(f"it-{uuid.uuid4().hex}")
    await repository.add(order, [])
    paid = order.record_payment_outcome(OrderStatus.PAID, T0)
    failed = order.record_payment_outcome(OrderStatus.PAYMENT_FAILED, T0)

    assert await repository.save_status_change(paid, expected=OrderStatus.PENDING_PAYMENT)
    assert not await repository.save_status_change(failed, expected=OrderStatus.PENDING_PAYMENT)

    assert await repository.get(order.order_id) == paid


async def test_contact_ciphertext_opens_only_for_its_customer(
    aws: AwsClients, deployed_topology: DeployedTopology
) -> None:
    encryption = KmsContactEncryption(aws.kms, deployed_topology.kms_alias("customer-contact"))
    contact = Contact(email="jane@example.com")

    blob = base64.b64decode(await encryption.encrypt(contact, customer_id="c-1"))

    opened = await aws.kms.decrypt(CiphertextBlob=blob, EncryptionContext={"customer_id": "c-1"})
    assert json.loads(opened["Plaintext"]) == {"email": "jane@example.com"}
    with pytest.raises(ClientError):
        await aws.kms.decrypt(CiphertextBlob=blob, EncryptionContext={"customer_id": "c-2"})


async def test_live_key_keeps_the_whole_transaction_out_and_an_expired_one_is_free(
    repository: DynamoDbOrderRepository, aws: AwsClients, deployed_topology: DeployedTopology
) -> None:
    key = f"it-key-{uuid.uuid4().hex}"
    now = datetime.now(UTC)
    first, second, third = (new_order(f"it-{uuid.uuid4().hex}") for _ in range(3))
    first_event, second_event, third_event = created_event(first), created_event(second), created_event(third)

    await repository.add(first, [first_event], idempotency=bound(key, first, at=now, ttl=timedelta(seconds=60)))
    with pytest.raises(IdempotencyKeyTaken):
        await repository.add(second, [second_event], idempotency=bound(key, second, at=now + timedelta(seconds=60)))

    assert await repository.get(second.order_id) is None
    assert not await outbox_holds(aws, deployed_topology, second_event)
    held = await repository.get_idempotency_record(key)
    assert held is not None and held.order_id == first.order_id

    # A minute and a second later the first record has expired: the key binds the new order.
    later = now + timedelta(seconds=61)
    await repository.add(third, [third_event], idempotency=bound(key, third, at=later))

    rebound = await repository.get_idempotency_record(key)
    assert rebound == bound(key, third, at=later)
    assert await repository.get(third.order_id) == third
    assert await outbox_holds(aws, deployed_topology, third_event)
    assert await repository.get_idempotency_record(f"it-key-{uuid.uuid4().hex}") is None


async def test_customer_orders_come_newest_first_page_by_page(repository: DynamoDbOrderRepository) -> None:
    customer_id = f"it-{uuid.uuid4().hex}"
    # Stored out of time order, and with whole and fractional seconds that would mis-sort as plain ISO text.
    offsets = [timedelta(seconds=2), timedelta(0), timedelta(seconds=1, microseconds=500_000), timedelta(seconds=1)]
    orders = [new_order(customer_id, at=T0 + offset) for offset in offsets]
    for order in orders:
        await repository.add(order, [])
    await repository.add(new_order(f"it-{uuid.uuid4().hex}"), [])  # someone else's

    first = await repository.list_for_customer(customer_id, limit=3, cursor=None)
    assert first.next_cursor is not None
    second = await repository.list_for_customer(customer_id, limit=3, cursor=first.next_cursor)
    exact = await repository.list_for_customer(customer_id, limit=4, cursor=None)

    newest_first = sorted(orders, key=lambda order: order.created_at, reverse=True)
    assert [*first.orders, *second.orders] == newest_first
    assert second.next_cursor is None
    assert exact.orders == tuple(newest_first) and exact.next_cursor is None
    with pytest.raises(InvalidCursor):
        await repository.list_for_customer(f"it-{uuid.uuid4().hex}", limit=3, cursor=first.next_cursor)


async def test_missing_resources_surface_as_dependency_unavailable(
    aws: AwsClients, outbox: DynamoDbOutbox, idempotency_records: DynamoDbIdempotencyRecords
) -> None:
    missing_table = DynamoDbOrderRepository(
        aws.dynamodb, f"missing-{uuid.uuid4().hex}", DynamoDbUnitOfWork(aws.dynamodb, outbox), idempotency_records
    )
    missing_key = KmsContactEncryption(aws.kms, f"alias/missing-{uuid.uuid4().hex}")
    order = new_order("c-1")

    with pytest.raises(DependencyUnavailable):
        await missing_table.get(order.order_id)
    with pytest.raises(DependencyUnavailable):
        await missing_table.add(order, [])
    with pytest.raises(DependencyUnavailable):
        await missing_table.list_for_customer("c-1", limit=10, cursor=None)
    with pytest.raises(DependencyUnavailable):
        await DynamoDbIdempotencyRecords(aws.dynamodb, f"missing-{uuid.uuid4().hex}").get("key")
    with pytest.raises(DependencyUnavailable):
        await missing_key.encrypt(Contact(phone="+15555550100"), customer_id="c-1")
