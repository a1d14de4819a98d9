"""No dual-write gap, shown with real processes: an order stored while the bus is unreachable is announced
once the service recovers, exactly once; an order whose transaction fails is never announced."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from shop_devtools.testing.events import capture_events, wait_until
from shop_devtools.testing.fixtures import AwsClients, StartService, free_port
from shop_shared.contracts import OrderCreated
from shop_shared.topology import DeployedTopology

if TYPE_CHECKING:
    from conftest import AuthHeaders

pytestmark = pytest.mark.integration

DEADLINE_SECONDS = 20.0


def order_body(customer_id: str) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "currency": "EUR",
        "items": [{"sku": "SKU-1", "quantity": 3, "unit_price": "2.50"}],
        "payment_token": "tok_success",
        "contact": {"phone": "+15555550100"},
    }


def created_for(customer_id: str) -> dict[str, Any]:
    """An event pattern for this test's order.created only (the order id is not known before the POST)."""
    return {
        "source": ["shop.order"],
        "detail-type": ["order.created"],
        "detail": {"data": {"customer_id": [customer_id]}},
    }


def unreachable_url() -> str:
    """A loopback URL nothing listens on: every call to it is refused at once."""
    return f"http://127.0.0.1:{free_port()}"


async def outbox_entries_of(aws: AwsClients, deployed_topology: DeployedTopology, customer_id: str) -> list[str]:
    """Order ids of the outbox entries (events still to publish) that belong to `customer_id`."""
    paginator = aws.dynamodb.get_paginator("scan")
    found = []
    async for page in paginator.paginate(TableName=deployed_topology.name("order-outbox"), ConsistentRead=True):
        for item in page.get("Items", []):
            if "detail" not in item:  # the relays' coordination items (#relays, #shard:<n>)
                continue
            data = json.loads(item["detail"]["S"])["data"]
            if data.get("customer_id") == customer_id:
                found.append(data["order_id"])
    return found


async def test_event_of_an_order_stored_while_the_bus_is_down_arrives_once_after_recovery(
    start_service_process: StartService, deployed_topology: DeployedTopology, aws: AwsClients, auth_headers: AuthHeaders
) -> None:
    customer_id = f"dw-{uuid.uuid4().hex}"
    signed_in = auth_headers(customer_id, order_body(customer_id)["contact"])
    port = free_port()
    # Every PutEvents of this process fails: the publish after commit and every sweep of its relay.
    bus_down = {
        "AWS_ENDPOINT_URL_EVENTBRIDGE": unreachable_url(),
        "ORDER_EVENTS_MAX_ATTEMPTS": "1",
        "ORDER_OUTBOX_SWEEP_INTERVAL_SECONDS": "0.5",
        "ORDER_OUTBOX_SWEEP_MIN_AGE_SECONDS": "0",
    }

    async with capture_events(deployed_topology.bus_name, created_for(customer_id)) as captured:
        failing = start_service_process("order", extra_env=bus_down, port=port)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30, headers=signed_in) as client:
            created = await client.post("/orders", json=order_body(customer_id))
            assert created.status_code == 201, created.text
            order_id = created.json()["order_id"]
            assert (await client.get(f"/orders/{order_id}")).status_code == 200

        # Committed, not published: the event waits in the outbox while the relay keeps failing.
        assert await captured.listen(4) == []
        assert await outbox_entries_of(aws, deployed_topology, customer_id) == [order_id]
        failing.stop()

        start_service_process("order")  # the service recovers: same tables, a bus it can reach
        [envelope] = await captured.wait_for(timeout=DEADLINE_SECONDS)
        assert isinstance(envelope.data, OrderCreated) and envelope.data.order_id == order_id

        async def outbox_emptied() -> bool:
            return await outbox_entries_of(aws, deployed_topology, customer_id) == []

        await wait_until(outbox_emptied, timeout=DEADLINE_SECONDS, message="the published entry to leave the outbox")
        # Exactly once: no second copy comes later (the entry is gone, the sweep has nothing to resend).
        assert await captured.listen(4) == []
        assert [str(event.metadata.event_id) for event in captured.received] == [str(envelope.metadata.event_id)]


async def test_order_whose_transaction_fails_is_503_and_never_announced(
    start_service_process: StartService,
    deployed_topology: DeployedTopology,
    aws: AwsClients,
    service_ports: dict[str, int],
    auth_headers: AuthHeaders,
) -> None:
    customer_id = f"dw-{uuid.uuid4().hex}"
    signed_in = auth_headers(customer_id, order_body(customer_id)["contact"])
    key = f"dw-key-{uuid.uuid4().hex}"
    port = free_port()
    # The orders table does not exist, so the transaction fails although its outbox and idempotency
    # writes go to real tables: they are cancelled with it.
    no_orders_table = {"ORDER_ORDERS_TABLE": f"missing-{uuid.uuid4().hex}"}

    async with capture_events(deployed_topology.bus_name, created_for(customer_id)) as captured:
        start_service_process("order")  # a healthy relay sweeps the real outbox all along
        start_service_process("order", extra_env=no_orders_table, port=port)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30, headers=signed_in) as client:
            refused = await client.post("/orders", json=order_body(customer_id), headers={"Idempotency-Key": key})

        assert refused.status_code == 503
        assert refused.json()["code"] == "unavailable"
        assert refused.headers["Retry-After"] == "1"
        assert await outbox_entries_of(aws, deployed_topology, customer_id) == []
        record = await aws.dynamodb.get_item(
            TableName=deployed_topology.name("order-idempotency"),
            Key={"idempotency_key": {"S": key}},
            ConsistentRead=True,
        )
        assert "Item" not in record
        assert await captured.listen(5) == []

        # The client's retry with the same key, to a healthy process, is the first real placement; its
        # event arrives through this same capture, so the silence above was not a deaf listener.
        healthy = f"http://127.0.0.1:{service_ports['order']}"
        async with httpx.AsyncClient(base_url=healthy, timeout=30, headers=signed_in) as client:
            retried = await client.post("/orders", json=order_body(customer_id), headers={"Idempotency-Key": key})
        assert retried.status_code == 201 and "Idempotent-Replayed" not in retried.headers
        [envelope] = await captured.wait_for(timeout=DEADLINE_SECONDS)
        assert envelope.data.order_id == retried.json()["order_id"]
