"""Payment as a real process on the emulators: order.created arrives through the EventBridge API
destination, the simulated provider is charged once, and the outcome event reaches the bus."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import aioboto3
import httpx
import pytest
from shop_devtools.testing.events import wait_until
from shop_payment.domain import payment_id_for
from shop_shared.aws import to_item
from shop_shared.contracts import EventEnvelope, OrderCreated, PaymentFailed, PaymentSucceeded
from shop_shared.messaging import EventBridgePublisher
from shop_shared.topology import DeployedTopology

pytestmark = pytest.mark.integration

OrderCreatedFactory = Callable[..., EventEnvelope[OrderCreated]]
EventFactory = Callable[[EventEnvelope[Any]], dict[str, Any]]
EVENT_DEADLINE_SECONDS = 15.0


async def _outcome_on_the_bus(
    deployed_topology: DeployedTopology, payment_events: Any, envelope: EventEnvelope[OrderCreated]
) -> EventEnvelope[Any]:
    """Publish `envelope` on the bus; the one payment event of its order that follows."""
    async with payment_events(envelope.data.order_id) as captured, aioboto3.Session().client("events") as events:
        result = await EventBridgePublisher(events, deployed_topology.bus_name).publish([envelope])
        assert result.published == [envelope.metadata.event_id], result.failed
        [outcome] = await captured.wait_for(timeout=EVENT_DEADLINE_SECONDS)
    return outcome


async def _settled_payment(payment_url: str, payment_id: str, timeout: float = 15.0) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=payment_url, timeout=5) as client:

        async def settled() -> dict[str, Any] | None:
            response = await client.get(f"/payments/{payment_id}")
            done = response.status_code == 200 and response.json()["status"] not in {"PENDING", "UNKNOWN"}
            return response.json() if done else None

        body: dict[str, Any] = await wait_until(
            settled, timeout=timeout, interval=0.1, message=f"payment {payment_id} settled"
        )
        return body


async def _charges(provider_url: str, payment_id: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=provider_url, timeout=5) as client:
        response = await client.get("/v1/charges", params={"idempotency_key": payment_id})
    charges: list[dict[str, Any]] = response.json()["charges"]
    return charges


@pytest.mark.parametrize("key", [None, "wrong-key"])
async def test_a_missing_or_wrong_api_key_is_401_and_stores_nothing(
    payment_stack: Any,
    deployed_topology: DeployedTopology,
    order_created: OrderCreatedFactory,
    eventbridge_event: EventFactory,
    key: str | None,
) -> None:
    envelope = order_created()
    payment_id = payment_id_for(envelope.metadata.event_id)
    headers = {"x-api-key": key} if key else {}

    async with httpx.AsyncClient(base_url=payment_stack.payment_url, timeout=5) as client:
        response = await client.post("/events", json=eventbridge_event(envelope), headers=headers)
        lookup = await client.get(f"/payments/{payment_id}")

    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert lookup.status_code == 404
    async with aioboto3.Session().client("dynamodb") as dynamodb:
        stored = await dynamodb.get_item(
            TableName=deployed_topology.name("payments"), Key=to_item({"payment_id": payment_id}), ConsistentRead=True
        )
    assert "Item" not in stored


async def test_order_created_on_the_bus_is_charged_once_and_payment_succeeded_published(
    payment_stack: Any,
    deployed_topology: DeployedTopology,
    order_created: OrderCreatedFactory,
    payment_events: Any,
) -> None:
    envelope = order_created("tok_success")
    payment_id = payment_id_for(envelope.metadata.event_id)

    event = await _outcome_on_the_bus(deployed_topology, payment_events, envelope)

    assert isinstance(event.data, PaymentSucceeded)
    assert (event.data.payment_id, event.data.order_id, event.data.amount) == (
        payment_id,
        envelope.data.order_id,
        envelope.data.total,
    )
    assert event.metadata.correlation_id == envelope.metadata.correlation_id
    assert event.metadata.causation_id == str(envelope.metadata.event_id)
    payment = await _settled_payment(payment_stack.payment_url, payment_id)
    assert payment["status"] == "SUCCEEDED"
    assert payment["provider_reference"] == event.data.provider_reference
    assert "payment_token" not in payment
    charges = await _charges(payment_stack.provider_url, payment_id)
    assert [charge["charge_id"] for charge in charges] == [event.data.provider_reference]


async def test_a_declined_card_publishes_payment_failed(
    payment_stack: Any,
    deployed_topology: DeployedTopology,
    order_created: OrderCreatedFactory,
    payment_events: Any,
) -> None:
    envelope = order_created("tok_declined")
    payment_id = payment_id_for(envelope.metadata.event_id)

    event = await _outcome_on_the_bus(deployed_topology, payment_events, envelope)

    assert isinstance(event.data, PaymentFailed)
    assert event.data.reason_code == "card_declined" and event.data.payment_id == payment_id
    payment = await _settled_payment(payment_stack.payment_url, payment_id)
    assert (payment["status"], payment["reason_code"]) == ("FAILED", "card_declined")
    assert await _charges(payment_stack.provider_url, payment_id) == []


async def test_the_same_event_posted_twice_is_charged_once(
    payment_stack: Any,
    api_key: str,
    order_created: OrderCreatedFactory,
    eventbridge_event: EventFactory,
    payment_events: Any,
) -> None:
    envelope = order_created("tok_success")
    event = eventbridge_event(envelope)
    payment_id = payment_id_for(envelope.metadata.event_id)

    async with payment_events(envelope.data.order_id) as captured:
        async with httpx.AsyncClient(base_url=payment_stack.payment_url, timeout=5) as client:
            responses = await asyncio.gather(
                *(client.post("/events", json=event, headers={"x-api-key": api_key}) for _ in range(2))
            )
            payment = await _settled_payment(payment_stack.payment_url, payment_id)
            late = await client.post("/events", json=event, headers={"x-api-key": api_key})
        [published] = await captured.wait_for(timeout=EVENT_DEADLINE_SECONDS)
        await captured.listen(1.0)
        assert len(captured.received) == 1, "the outcome was published once"

    assert [r.status_code for r in [*responses, late]] == [202, 202, 202]
    assert {r.json()["payment_id"] for r in [*responses, late]} == {payment_id}
    assert payment["status"] == "SUCCEEDED"
    assert isinstance(published.data, PaymentSucceeded)
    charges = await _charges(payment_stack.provider_url, payment_id)
    assert len(charges) == 1
    assert charges[0]["charge_id"] == payment["provider_reference"] == published.data.provider_reference
