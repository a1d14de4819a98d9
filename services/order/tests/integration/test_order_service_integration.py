"""The order process against the emulators: HTTP API, DynamoDB, KMS, the outbox to EventBridge, SQS outcomes."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from shop_shared.contracts import OrderCreated, PaymentFailed, PaymentSucceeded, new_envelope
from shop_shared.messaging import EventBridgePublisher, envelope_from_sqs_body
from shop_shared.topology import DeployedTopology

if TYPE_CHECKING:
    from conftest import AwsClients

pytestmark = pytest.mark.integration

DEADLINE_SECONDS = 20.0


def order_body(customer_id: str, *, contact: dict[str, str] | None = None, **changes: Any) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "currency": "USD",
        "items": [{"sku": "SKU-1", "quantity": 2, "unit_price": "19.99"}],
        "payment_token": "tok_success",
        "contact": contact or {"phone": "+15555550100"},
        **changes,
    }


async def eventually[T](probe: Callable[[], Awaitable[T | None]], what: str) -> T:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        result = await probe()
        if result is not None:
            return result
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out after {DEADLINE_SECONDS:.0f} s waiting for {what}")


@pytest.fixture
async def order_created_queue(aws: AwsClients, deployed_topology: DeployedTopology) -> AsyncIterator[Any]:
    """A temporary queue and rule; yields `watch(customer_id)` that routes that customer's order.created to it."""
    name = f"{deployed_topology.prefix}order-it-{uuid.uuid4().hex[:8]}"
    url = (await aws.sqs.create_queue(QueueName=name))["QueueUrl"]
    arn = (await aws.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"]))["Attributes"]["QueueArn"]
    bus = deployed_topology.bus_name

    async def watch(customer_id: str) -> str:
        # The order id is only known after POST /orders, and the event is published before that
        # answer, so the rule matches this test's unique customer id; the test then checks the order id.
        pattern: dict[str, Any] = {
            "source": ["shop.order"],
            "detail-type": ["order.created"],
            "detail": {"data": {"customer_id": [customer_id]}},
        }
        rule_arn = (await aws.events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(pattern)))["RuleArn"]
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
                }
            ],
        }
        await aws.sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
        await aws.events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "queue", "Arn": arn}])
        return str(url)

    try:
        yield watch
    finally:
        try:
            await aws.events.remove_targets(Rule=name, EventBusName=bus, Ids=["queue"])
            await aws.events.delete_rule(Name=name, EventBusName=bus)
        finally:
            await aws.sqs.delete_queue(QueueUrl=url)


async def test_placed_order_is_stored_and_announced_with_encrypted_contact(
    order_api: httpx.AsyncClient, aws: AwsClients, order_created_queue: Any
) -> None:
    customer_id = f"it-{uuid.uuid4().hex}"
    contact = {"email": "jane.doe@example.com"}
    queue_url = await order_created_queue(customer_id)

    created = await order_api.post(
        "/orders", json=order_body(customer_id, contact=contact), headers={"X-Correlation-Id": f"corr-{customer_id}"}
    )

    assert created.status_code == 201, created.text
    order = created.json()
    assert created.headers["Location"] == f"/orders/{order['order_id']}"
    assert (order["status"], order["total"]) == ("PENDING_PAYMENT", "39.98")
    fetched = await order_api.get(created.headers["Location"])
    assert fetched.status_code == 200 and fetched.json() == order

    async def receive() -> list[dict[str, Any]] | None:
        response = await aws.sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        return response.get("Messages") or None

    [message] = await eventually(receive, "order.created on the temporary queue")
    assert "jane.doe" not in message["Body"]
    envelope = envelope_from_sqs_body(message["Body"])
    event = envelope.data
    assert isinstance(event, OrderCreated)
    assert envelope.metadata.correlation_id == f"corr-{customer_id}"
    assert (event.order_id, event.customer_id, event.total, event.payment_token) == (
        order["order_id"],
        customer_id,
        Decimal("39.98"),
        "tok_success",
    )
    decrypted = await aws.kms.decrypt(
        CiphertextBlob=base64.b64decode(event.contact_ciphertext), EncryptionContext={"customer_id": customer_id}
    )
    assert json.loads(decrypted["Plaintext"]) == contact


async def test_invalid_order_is_422_and_stores_nothing(
    order_api: httpx.AsyncClient, aws: AwsClients, deployed_topology: DeployedTopology
) -> None:
    customer_id = f"it-{uuid.uuid4().hex}"

    async def stored_orders() -> int:
        response = await aws.dynamodb.scan(
            TableName=deployed_topology.name("orders"),
            FilterExpression="customer_id = :customer",
            ExpressionAttributeValues={":customer": {"S": customer_id}},
            ConsistentRead=True,
        )
        return int(response["Count"])

    before = await stored_orders()
    invalid = order_body(customer_id, items=[{"sku": "SKU-1", "quantity": 0, "unit_price": "19.999"}])

    rejected = await order_api.post("/orders", json=invalid)

    assert rejected.status_code == 422
    fields = {detail["field"] for detail in rejected.json()["error"]["details"]}
    assert fields == {"items.0.quantity", "items.0.unit_price"}
    assert before == 0 and await stored_orders() == 0
    # The same count sees a valid order of this customer, so the zero above means something.
    assert (await order_api.post("/orders", json=order_body(customer_id))).status_code == 201
    assert await stored_orders() == 1


async def test_payment_outcomes_settle_orders_once(
    order_api: httpx.AsyncClient, aws: AwsClients, deployed_topology: DeployedTopology
) -> None:
    publisher = EventBridgePublisher(aws.events, deployed_topology.bus_name)

    async def place() -> dict[str, Any]:
        response = await order_api.post("/orders", json=order_body(f"it-{uuid.uuid4().hex}"))
        assert response.status_code == 201, response.text
        order: dict[str, Any] = response.json()
        return order

    def outcome(order: dict[str, Any], succeeded: bool) -> Any:
        fields: dict[str, Any] = {
            "payment_id": f"pay-{uuid.uuid4().hex[:12]}",
            "order_id": order["order_id"],
            "customer_id": order["customer_id"],
            "amount": Decimal(order["total"]),
            "currency": order["currency"],
        }
        data = (
            PaymentSucceeded(**fields, provider_reference="ref-1")
            if succeeded
            else PaymentFailed(**fields, reason_code="card_declined")
        )
        return new_envelope(data, correlation_id=order["order_id"])

    async def publish(*envelopes: Any) -> None:
        result = await publisher.publish(envelopes)
        assert not result.failed, result.failed

    async def reaches(order: dict[str, Any], status: str) -> dict[str, Any]:
        async def probe() -> dict[str, Any] | None:
            current: dict[str, Any] = (await order_api.get(f"/orders/{order['order_id']}")).json()
            return current if current["status"] == status else None

        return await eventually(probe, f"order {order['order_id']} to become {status}")

    paid_order, failed_order, marker_order = await place(), await place(), await place()
    succeeded = outcome(paid_order, succeeded=True)
    await publish(succeeded, outcome(failed_order, succeeded=False))

    paid = await reaches(paid_order, "PAID")
    failed = await reaches(failed_order, "PAYMENT_FAILED")
    assert [change["status"] for change in paid["status_history"]] == ["PENDING_PAYMENT", "PAID"]
    assert [change["status"] for change in failed["status_history"]] == ["PENDING_PAYMENT", "PAYMENT_FAILED"]

    # A redelivered outcome and a contrary one for a settled order, then a marker outcome: once the
    # marker is applied and the queue is empty, both were handled (and deleted, not left to retry).
    await publish(succeeded, outcome(paid_order, succeeded=False))
    await publish(outcome(marker_order, succeeded=True))
    await reaches(marker_order, "PAID")
    await queue_drained(aws, deployed_topology)

    assert (await order_api.get(f"/orders/{paid_order['order_id']}")).json() == paid


async def queue_drained(aws: AwsClients, deployed_topology: DeployedTopology) -> None:
    url = (await aws.sqs.get_queue_url(QueueName=deployed_topology.name("order-payment-outcomes")))["QueueUrl"]
    counters = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]

    async def probe() -> bool | None:
        attributes = (await aws.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=counters))["Attributes"]
        return True if all(attributes[name] == "0" for name in counters) else None

    await eventually(probe, "the payment-outcomes queue to be empty")
