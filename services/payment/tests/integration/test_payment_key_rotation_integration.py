"""API key rotation end to end: the real payment process behind the EventBridge API destination keeps
taking order.created through two rotations; the previous key stays valid once, the oldest is refused."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import aioboto3
import boto3
import httpx
import pytest
from shop_devtools.rotation import rotate_payment_api_key
from shop_devtools.testing.events import wait_until
from shop_payment.domain import payment_id_for
from shop_shared.aws import to_item
from shop_shared.contracts import EventEnvelope, OrderCreated, PaymentSucceeded
from shop_shared.messaging import EventBridgePublisher
from shop_shared.topology import DeployedTopology

pytestmark = pytest.mark.integration

OrderCreatedFactory = Callable[..., EventEnvelope[OrderCreated]]
EventFactory = Callable[[EventEnvelope[Any]], dict[str, Any]]
# Short, so the test need not wait 30 s for payment to re-read the secret. On AWS EventBridge retries a 401
# for up to a day, which covers the default interval; LocalStack makes one attempt only, so we wait it out.
REREAD_SECONDS = 1.0
EVENT_DEADLINE_SECONDS = 15.0


def _keys(deployed_topology: DeployedTopology) -> tuple[str, str | None]:
    client = boto3.client("secretsmanager")
    secret_id = deployed_topology.name("payment-events-api-key")
    current: str = client.get_secret_value(SecretId=secret_id)["SecretString"]
    try:
        previous: str | None = client.get_secret_value(SecretId=secret_id, VersionStage="AWSPREVIOUS")["SecretString"]
    except client.exceptions.ResourceNotFoundException:
        previous = None
    return current, previous


async def _rotate(deployed_topology: DeployedTopology) -> str:
    before, _ = _keys(deployed_topology)
    await asyncio.to_thread(rotate_payment_api_key, deployed_topology, boto3.Session())
    current, previous = _keys(deployed_topology)
    assert current != before and previous == before
    await asyncio.sleep(REREAD_SECONDS + 0.2)
    return current


async def _charged_through_the_bus(
    deployed_topology: DeployedTopology, payment_events: Any, envelope: EventEnvelope[OrderCreated]
) -> EventEnvelope[Any]:
    """Publish on the bus: the rule and the API destination (with the connection's key) deliver it to payment."""
    async with payment_events(envelope.data.order_id) as captured, aioboto3.Session().client("events") as events:
        result = await EventBridgePublisher(events, deployed_topology.bus_name).publish([envelope])
        assert result.published == [envelope.metadata.event_id], result.failed
        [outcome] = await captured.wait_for(timeout=EVENT_DEADLINE_SECONDS)
    return outcome


async def _post(payment_url: str, event: dict[str, Any], key: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=payment_url, timeout=5) as client:
        return await client.post("/events", json=event, headers={"x-api-key": key})


async def _settles(payment_url: str, payment_id: str) -> None:
    async with httpx.AsyncClient(base_url=payment_url, timeout=5) as client:

        async def succeeded() -> bool:
            response = await client.get(f"/payments/{payment_id}")
            return response.status_code == 200 and response.json()["status"] == "SUCCEEDED"

        await wait_until(succeeded, timeout=EVENT_DEADLINE_SECONDS, message=f"payment {payment_id} charged")


async def _stored(deployed_topology: DeployedTopology, payment_id: str) -> bool:
    async with aioboto3.Session().client("dynamodb") as dynamodb:
        response = await dynamodb.get_item(
            TableName=deployed_topology.name("payments"), Key=to_item({"payment_id": payment_id}), ConsistentRead=True
        )
    return "Item" in response


async def test_rotations_keep_events_flowing_and_retire_the_oldest_key(
    start_service_process: Any,
    service_ports: dict[str, int],
    deployed_topology: DeployedTopology,
    order_created: OrderCreatedFactory,
    eventbridge_event: EventFactory,
    payment_events: Any,
) -> None:
    # On the port the module's API destination points at.
    start_service_process("payment-provider")
    start_service_process("payment", extra_env={"PAYMENT_API_KEY_REREAD_INTERVAL_SECONDS": str(REREAD_SECONDS)})
    payment_url = f"http://127.0.0.1:{service_ports['payment']}"
    oldest, no_previous = _keys(deployed_topology)
    assert no_previous is None, "a fresh deployment has never been rotated"

    before = await _charged_through_the_bus(deployed_topology, payment_events, order_created())
    assert isinstance(before.data, PaymentSucceeded)

    # First rotation: the connection now sends the new key; the old one is AWSPREVIOUS.
    newer = await _rotate(deployed_topology)
    after_first = await _charged_through_the_bus(deployed_topology, payment_events, order_created())
    assert isinstance(after_first.data, PaymentSucceeded), "the new key, sent by the connection, is accepted"
    with_old_key = order_created()
    response = await _post(payment_url, eventbridge_event(with_old_key), oldest)
    assert response.status_code == 202, "the previous key is still accepted during the rotation"
    await _settles(payment_url, payment_id_for(with_old_key.metadata.event_id))

    # Second rotation: the oldest key is no longer a version of the secret.
    await _rotate(deployed_topology)
    after_second = await _charged_through_the_bus(deployed_topology, payment_events, order_created())
    assert isinstance(after_second.data, PaymentSucceeded)

    refused = order_created()
    response = await _post(payment_url, eventbridge_event(refused), oldest)
    assert response.status_code == 401 and response.json()["code"] == "unauthorized"
    assert not await _stored(deployed_topology, payment_id_for(refused.metadata.event_id))
    with_previous_key = order_created()
    response = await _post(payment_url, eventbridge_event(with_previous_key), newer)
    assert response.status_code == 202, "the key of the first rotation is now the previous one"
    await _settles(payment_url, payment_id_for(with_previous_key.metadata.event_id))
