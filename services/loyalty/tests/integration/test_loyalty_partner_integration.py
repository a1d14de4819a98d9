"""A flaky loyalty partner: every order is credited once and the partner is told once per order, eventually."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from shop_devtools.processes import ManagedProcess
from shop_devtools.testing.events import as_eventbridge_event, order_created_envelope, wait_until, wait_until_drained
from shop_devtools.testing.fixtures import AwsClients, StartService
from shop_shared.topology import DeployedTopology

if TYPE_CHECKING:
    from conftest import AuthHeaders

pytestmark = pytest.mark.integration

FLAKY_PARTNER = {"PARTNER_SIM_ERROR_RATE": "0.5", "PARTNER_SIM_LATENCY_MS": "20", "PARTNER_SIM_SEED": "4"}
PATIENT_LOYALTY = {
    "LOYALTY_PARTNER_MAX_ATTEMPTS": "12",
    "LOYALTY_PARTNER_BACKOFF_INITIAL_SECONDS": "0.02",
    "LOYALTY_PARTNER_BACKOFF_MAX_SECONDS": "0.2",
}
ORDERS = 6


@pytest.fixture(scope="module")
def flaky_partner_loyalty(start_service_process: StartService) -> ManagedProcess:
    start_service_process("loyalty-partner", extra_env=FLAKY_PARTNER)
    return start_service_process("loyalty", extra_env=PATIENT_LOYALTY)


async def test_flaky_partner_is_told_once_per_order_and_points_are_credited_once(
    flaky_partner_loyalty: ManagedProcess,
    deployed_topology: DeployedTopology,
    service_ports: dict[str, int],
    aws: AwsClients,
    auth_headers: AuthHeaders,
) -> None:
    customer_id = f"customer-{uuid.uuid4()}"
    signed_in = auth_headers(customer_id)
    events = [order_created_envelope(customer_id, "100.00") for _ in range(ORDERS)]
    response = await aws.events.put_events(
        Entries=[
            {
                "EventBusName": deployed_topology.bus_name,
                "Source": event.metadata.source,
                "DetailType": event.metadata.event_type,
                "Detail": json.dumps(event.to_detail()),
            }
            for event in events
        ]
    )
    assert response["FailedEntryCount"] == 0
    ledger_table = deployed_topology.name("loyalty-ledger")

    async def all_notified() -> bool:
        for event in events:
            item = await aws.dynamodb.get_item(
                TableName=ledger_table, Key={"order_id": {"S": event.data.order_id}}, ConsistentRead=True
            )
            if "partner_notified_at" not in item.get("Item", {}):
                return False
        return True

    partner_url = f"http://127.0.0.1:{service_ports['loyalty-partner']}"
    async with httpx.AsyncClient(timeout=5) as client:
        await wait_until(all_notified, timeout=45, message="partner told about every order")
        credits: list[dict[str, Any]] = (
            await client.get(f"{partner_url}/v1/credits", params={"customer_id": customer_id})
        ).json()["credits"]
        stats_before = (await client.get(f"{partner_url}/sim/stats")).json()
        account = (
            await client.get(
                f"http://127.0.0.1:{service_ports['loyalty']}/customers/{customer_id}/loyalty", headers=signed_in
            )
        ).json()

        # Redeliveries of every event: nothing credited again, the partner not called again.
        queue_url = (await aws.sqs.get_queue_url(QueueName=deployed_topology.name("loyalty-order-events")))["QueueUrl"]
        for event in events:
            await aws.sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(as_eventbridge_event(event)))
        await wait_until_drained(aws.sqs, queue_url, timeout=30)
        stats_after = (await client.get(f"{partner_url}/sim/stats")).json()
        after = (
            await client.get(
                f"http://127.0.0.1:{service_ports['loyalty']}/customers/{customer_id}/loyalty", headers=signed_in
            )
        ).json()

    assert sorted(c["order_id"] for c in credits) == sorted(e.data.order_id for e in events)
    assert all(c["points"] == 100 for c in credits)
    assert stats_before["errors"] > 0, "the partner was meant to fail some calls"
    assert account["points_balance"] == 100 * ORDERS
    assert after["points_balance"] == 100 * ORDERS
    assert stats_after["requests"] == stats_before["requests"]
