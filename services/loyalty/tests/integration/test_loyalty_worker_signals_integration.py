"""The loyalty worker as a real process stopped mid-batch: SIGTERM drains it, kill -9 leaves it to SQS.

The partner answers slowly, so every message spends seconds in its handler after the credit: a signal
always lands while a batch is half done.
"""

from __future__ import annotations

import json
import os
import signal
import time
import uuid
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from shop_devtools.processes import ManagedProcess
from shop_devtools.testing.events import as_eventbridge_event, order_created_envelope, wait_until
from shop_devtools.testing.fixtures import AwsClients, StartService
from shop_shared.contracts import EventEnvelope
from shop_shared.topology import DeployedTopology

if TYPE_CHECKING:
    from conftest import AuthHeaders

pytestmark = pytest.mark.integration

SLOW_PARTNER = {"PARTNER_SIM_LATENCY_MS": "2500"}
ORDERS = 14  # more than the 10 one task holds at once: some are received, some still wait in the queue
VISIBILITY_TIMEOUT = 10  # this module's queue only, so that a killed worker's messages return within the test


@pytest.fixture(scope="module")
async def order_events_queue(deployed_topology: DeployedTopology, aws: AwsClients) -> str:
    queue_url: str = (await aws.sqs.get_queue_url(QueueName=deployed_topology.name("loyalty-order-events")))["QueueUrl"]
    await aws.sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"VisibilityTimeout": str(VISIBILITY_TIMEOUT)})
    return queue_url


@pytest.fixture(scope="module")
def start_loyalty(start_service_process: StartService, order_events_queue: str) -> StartService:
    start_service_process("loyalty-partner", extra_env=SLOW_PARTNER)
    return start_service_process


async def send_orders(aws: AwsClients, queue_url: str, customer_id: str) -> list[EventEnvelope[Any]]:
    events = [order_created_envelope(customer_id, "25.00") for _ in range(ORDERS)]
    for event in events:
        await aws.sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(as_eventbridge_event(event)))
    return events


async def credited_orders(aws: AwsClients, deployed: DeployedTopology, events: list[EventEnvelope[Any]]) -> set[str]:
    credited = set()
    for event in events:
        item = await aws.dynamodb.get_item(
            TableName=deployed.name("loyalty-ledger"), Key={"order_id": {"S": event.data.order_id}}, ConsistentRead=True
        )
        if "Item" in item:
            credited.add(event.data.order_id)
    return credited


async def wait_until_mid_batch(aws: AwsClients, deployed: DeployedTopology, events: list[EventEnvelope[Any]]) -> None:
    async def some_credited() -> bool:
        return len(await credited_orders(aws, deployed, events)) > 0

    await wait_until(some_credited, timeout=20, message="the worker credited the first orders")


async def partner_stats(service_ports: dict[str, int]) -> dict[str, int]:
    async with httpx.AsyncClient(timeout=5) as client:
        stats: dict[str, int] = (
            await client.get(f"http://127.0.0.1:{service_ports['loyalty-partner']}/sim/stats")
        ).json()
        return stats


async def balance(service_ports: dict[str, int], customer_id: str, headers: dict[str, str]) -> int:
    async with httpx.AsyncClient(timeout=5) as client:
        url = f"http://127.0.0.1:{service_ports['loyalty']}/customers/{customer_id}/loyalty"
        points: int = (await client.get(url, headers=headers)).json()["points_balance"]
        return points


async def wait_until_all_told(
    aws: AwsClients, deployed: DeployedTopology, events: list[EventEnvelope[Any]], timeout: float
) -> None:
    async def all_told() -> bool:
        for event in events:
            item = await aws.dynamodb.get_item(
                TableName=deployed.name("loyalty-ledger"),
                Key={"order_id": {"S": event.data.order_id}},
                ConsistentRead=True,
            )
            if "partner_notified_at" not in item.get("Item", {}):
                return False
        return True

    await wait_until(all_told, timeout=timeout, message="every order credited and the partner told")


async def test_sigterm_mid_batch_finishes_what_runs_gives_back_the_rest_and_nothing_runs_twice(
    start_loyalty: StartService,
    order_events_queue: str,
    deployed_topology: DeployedTopology,
    service_ports: dict[str, int],
    aws: AwsClients,
    auth_headers: AuthHeaders,
) -> None:
    worker: ManagedProcess = start_loyalty("loyalty")
    before = await partner_stats(service_ports)
    customer_id = f"customer-{uuid.uuid4()}"
    events = await send_orders(aws, order_events_queue, customer_id)
    await wait_until_mid_batch(aws, deployed_topology, events)

    stopping = time.monotonic()
    exit_code = worker.stop(timeout=30)  # SIGTERM, what ECS sends first
    stop_seconds = time.monotonic() - stopping
    # uvicorn raises SIGTERM again once its graceful shutdown is done: -15 is a drained exit, -9 would be SIGKILL.
    assert exit_code in (0, -signal.SIGTERM), "the worker drained and exited by itself, not by SIGKILL"
    handled_before_stop = await credited_orders(aws, deployed_topology, events)
    assert 0 < len(handled_before_stop) < ORDERS

    start_loyalty("loyalty")  # the next task picks up what was given back
    await wait_until_all_told(aws, deployed_topology, events, timeout=VISIBILITY_TIMEOUT - 1 + 15)
    after = await partner_stats(service_ports)
    assert await balance(service_ports, customer_id, auth_headers(customer_id)) == 25 * ORDERS
    assert after["accepted"] - before["accepted"] == ORDERS
    assert after["replayed"] == before["replayed"], "no message was handled twice, not even the partner call"
    print(f"\nSIGTERM mid-batch: stopped in {stop_seconds:.1f} s, {len(handled_before_stop)} of {ORDERS} done before")


async def test_kill_9_mid_batch_returns_the_messages_after_the_visibility_timeout_and_applies_them_once(
    start_loyalty: StartService,
    order_events_queue: str,
    deployed_topology: DeployedTopology,
    service_ports: dict[str, int],
    aws: AwsClients,
    auth_headers: AuthHeaders,
) -> None:
    worker: ManagedProcess = start_loyalty("loyalty")
    customer_id = f"customer-{uuid.uuid4()}"
    events = await send_orders(aws, order_events_queue, customer_id)
    await wait_until_mid_batch(aws, deployed_topology, events)

    os.killpg(worker.pid, signal.SIGKILL)  # no drain, no give-back: only SQS's visibility timeout brings them back
    killed = time.monotonic()
    worker.stop(timeout=5)  # reaps it
    attributes = await aws.sqs.get_queue_attributes(
        QueueUrl=order_events_queue, AttributeNames=["ApproximateNumberOfMessagesNotVisible"]
    )
    assert int(attributes["Attributes"]["ApproximateNumberOfMessagesNotVisible"]) > 0, "the killed worker held some"

    start_loyalty("loyalty")
    await wait_until_all_told(aws, deployed_topology, events, timeout=VISIBILITY_TIMEOUT + 30)
    recovered_seconds = time.monotonic() - killed
    # They were received at most a partner call (2.5 s) before the kill, so half the timeout is a safe floor.
    assert recovered_seconds >= VISIBILITY_TIMEOUT / 2, "the held messages came back only after the visibility timeout"
    assert await credited_orders(aws, deployed_topology, events) == {event.data.order_id for event in events}
    assert await balance(service_ports, customer_id, auth_headers(customer_id)) == 25 * ORDERS, (
        "each order credited once"
    )
    print(f"\nkill -9 mid-batch: every order applied once, {recovered_seconds:.1f} s after the kill")
