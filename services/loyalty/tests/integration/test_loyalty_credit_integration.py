"""An order.created event on the bus is credited once by the running loyalty service, even when redelivered."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest
from shop_devtools.processes import ManagedProcess
from shop_devtools.testing.events import as_eventbridge_event, wait_until_drained
from shop_devtools.testing.fixtures import AwsClients
from shop_shared.contracts import EventEnvelope, OrderCreated, OrderCreatedLine, new_envelope
from shop_shared.topology import DeployedTopology

pytestmark = pytest.mark.integration

DEADLINE_SECONDS = 20.0


def _order_created(customer_id: str, total: str) -> EventEnvelope[OrderCreated]:
    order = OrderCreated(
        order_id=f"order-{uuid.uuid4()}",
        customer_id=customer_id,
        currency="EUR",
        total=Decimal(total),
        items=(OrderCreatedLine(sku="SKU-1", quantity=1, unit_price=Decimal(total)),),
        payment_token="tok_integration",
        contact_ciphertext="ZW5jcnlwdGVkLWNvbnRhY3Q=",
    )
    return new_envelope(order, correlation_id=order.order_id)


async def _loyalty(client: httpx.AsyncClient, customer_id: str) -> httpx.Response:
    return await client.get(f"/customers/{customer_id}/loyalty")


async def _wait_for_points(client: httpx.AsyncClient, customer_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + DEADLINE_SECONDS
    last: httpx.Response | None = None
    while time.monotonic() < deadline:
        last = await _loyalty(client, customer_id)
        if last.status_code == 200 and last.json()["points_balance"] > 0:
            body: dict[str, Any] = last.json()
            return body
        await asyncio.sleep(0.2)
    pytest.fail(f"no points for {customer_id} after {DEADLINE_SECONDS:.0f} s; last answer {last and last.text}")


async def test_order_is_credited_once_even_when_the_event_is_redelivered(
    loyalty_service: ManagedProcess,
    deployed_topology: DeployedTopology,
    service_ports: dict[str, int],
    aws: AwsClients,
) -> None:
    customer_id = f"customer-{uuid.uuid4()}"
    envelope = _order_created(customer_id, "1234.56")
    detail = json.dumps(envelope.to_detail())
    response = await aws.events.put_events(
        Entries=[
            {
                "EventBusName": deployed_topology.bus_name,
                "Source": envelope.metadata.source,
                "DetailType": envelope.metadata.event_type,
                "Detail": detail,
            }
        ]
    )
    assert response["FailedEntryCount"] == 0

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{service_ports['loyalty']}", timeout=5) as client:
        credited = await _wait_for_points(client, customer_id)
        assert credited["points_balance"] == 1234
        assert credited["qualifying_points"] == 1234
        assert credited["tier"] == "BRONZE"
        assert [credit["order_id"] for credit in credited["recent_credits"]] == [envelope.data.order_id]

        # A redelivery: the same EventBridge event straight into the queue, as SQS would hand it out again.
        queue_url = (await aws.sqs.get_queue_url(QueueName=deployed_topology.name("loyalty-order-events")))["QueueUrl"]
        redelivered = as_eventbridge_event(envelope)
        await aws.sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(redelivered))
        await wait_until_drained(aws.sqs, queue_url, timeout=DEADLINE_SECONDS)

        after = (await _loyalty(client, customer_id)).json()
    assert after["points_balance"] == 1234
    assert after["recent_credits"] == credited["recent_credits"]
    ledger = await aws.dynamodb.get_item(
        TableName=deployed_topology.name("loyalty-ledger"),
        Key={"order_id": {"S": envelope.data.order_id}},
        ConsistentRead=True,
    )
    assert ledger["Item"]["customer_id"] == {"S": customer_id}


async def test_unknown_customer_is_a_404(loyalty_service: ManagedProcess, service_ports: dict[str, int]) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{service_ports['loyalty']}", timeout=5) as client:
        response = await _loyalty(client, f"customer-{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
