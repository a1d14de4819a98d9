"""The AWS adapters on the emulators: the order+outbox transaction, conditional writes, KMS, failures -> 503."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError
from shop_devtools.testing.fixtures import AwsClients
from shop_order.adapters import DynamoDbOrderRepository, KmsContactEncryption
from shop_order.adapters.order_repository import DuplicateOrderId
from shop_order.domain import Contact, Order, OrderStatus, PlaceOrder
from shop_order.exceptions import DependencyUnavailable
from shop_shared.contracts import OrderCreated, new_envelope
from shop_shared.outbox import DynamoDbOutbox
from shop_shared.topology import DeployedTopology

pytestmark = pytest.mark.integration

T0 = datetime(2025, 11, 28, 9, 30, tzinfo=UTC)


def new_order(customer_id: str) -> Order:
    command = PlaceOrder.model_validate(
        {
            "customer_id": customer_id,
            "currency": "EUR",
            "items": [{"sku": "SKU-1", "quantity": 3, "unit_price": "0.10"}],
            "payment_token": "tok_success",
            "contact": {"phone": "+15555550100"},
        }
    )
    return Order.place(command, order_id=str(uuid.uuid4()), contact_ciphertext="c2VhbGVk", at=T0)


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
def repository(aws: AwsClients, deployed_topology: DeployedTopology, outbox: DynamoDbOutbox) -> DynamoDbOrderRepository:
    return DynamoDbOrderRepository(aws.dynamodb, deployed_topology.name("orders"), outbox)


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


async def test_missing_resources_surface_as_dependency_unavailable(aws: AwsClients, outbox: DynamoDbOutbox) -> None:
    missing_table = DynamoDbOrderRepository(aws.dynamodb, f"missing-{uuid.uuid4().hex}", outbox)
    missing_key = KmsContactEncryption(aws.kms, f"alias/missing-{uuid.uuid4().hex}")
    order = new_order("c-1")

    with pytest.raises(DependencyUnavailable):
        await missing_table.get(order.order_id)
    with pytest.raises(DependencyUnavailable):
        await missing_table.add(order, [])
    with pytest.raises(DependencyUnavailable):
        await missing_key.encrypt(Contact(phone="+15555550100"), customer_id="c-1")
