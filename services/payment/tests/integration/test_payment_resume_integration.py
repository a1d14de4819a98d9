"""A payment cut off by SIGTERM mid-charge stays PENDING, leased by the stopped worker; the next start takes it
over once that lease has expired and finishes it, charged once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import aioboto3
import httpx
import pytest
from shop_devtools.testing.events import wait_until
from shop_devtools.testing.fixtures import free_port
from shop_payment.domain import payment_id_for
from shop_shared.aws import from_item, to_item
from shop_shared.contracts import EventEnvelope, OrderCreated
from shop_shared.topology import DeployedTopology

pytestmark = pytest.mark.integration

OrderCreatedFactory = Callable[..., EventEnvelope[OrderCreated]]
EventFactory = Callable[[EventEnvelope[Any]], dict[str, Any]]
PROVIDER_LATENCY_MS = 1500


async def _stored_status(deployed_topology: DeployedTopology, payment_id: str) -> str | None:
    async with aioboto3.Session().client("dynamodb") as dynamodb:
        response = await dynamodb.get_item(
            TableName=deployed_topology.name("payments"), Key=to_item({"payment_id": payment_id}), ConsistentRead=True
        )
    return from_item(response["Item"])["status"] if "Item" in response else None


async def test_a_payment_interrupted_by_shutdown_is_resumed_at_the_next_start(
    start_service_process: Any,
    deployed_topology: DeployedTopology,
    api_key: str,
    order_created: OrderCreatedFactory,
    eventbridge_event: EventFactory,
) -> None:
    # A slow provider and a payment instance of their own, so the charge is surely in flight at SIGTERM.
    provider_port, payment_port = free_port(), free_port()
    start_service_process(
        "payment-provider", port=provider_port, extra_env={"PROVIDER_SIM_LATENCY_MS": str(PROVIDER_LATENCY_MS)}
    )
    payment_env = {
        "PAYMENT_PROVIDER_URL": f"http://127.0.0.1:{provider_port}",
        "PAYMENT_SHUTDOWN_GRACE_SECONDS": "0.2",
        # A short lease (one 4 s attempt fits in it), so the next start does not wait the default 3 minutes.
        "PAYMENT_PROVIDER_CONNECT_TIMEOUT_SECONDS": "1",
        "PAYMENT_PROVIDER_READ_TIMEOUT_SECONDS": "3",
        "PAYMENT_LEASE_SECONDS": "6",
        "PAYMENT_LEASE_SAFETY_MARGIN_SECONDS": "1",
        "PAYMENT_DUE_SWEEP_INTERVAL_SECONDS": "0.5",
    }
    payment = start_service_process("payment", port=payment_port, extra_env=payment_env)
    envelope = order_created("tok_success")
    payment_id = payment_id_for(envelope.metadata.event_id)

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{payment_port}", timeout=5) as client:
        response = await client.post("/events", json=eventbridge_event(envelope), headers={"x-api-key": api_key})
    assert response.status_code == 202
    await asyncio.sleep(0.2)  # the charge is now waiting on the provider
    await asyncio.to_thread(payment.stop)
    assert await _stored_status(deployed_topology, payment_id) == "PENDING"

    start_service_process("payment", port=payment_port, extra_env=payment_env)

    async def resumed() -> bool:
        return await _stored_status(deployed_topology, payment_id) == "SUCCEEDED"

    await wait_until(resumed, timeout=30, message="the interrupted payment resumed after its lease expired")

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{provider_port}", timeout=5) as provider:
        charges = (await provider.get("/v1/charges", params={"idempotency_key": payment_id})).json()["charges"]
    assert len(charges) == 1, "the interrupted attempt and the resumed one are one charge"
