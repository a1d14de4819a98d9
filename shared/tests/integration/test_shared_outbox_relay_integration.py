"""The outbox relay on the real emulators: work found by Query on the sparse sharded index, poison entries
parked without holding back the rest, and two relays that divide the shards and never publish one entry twice."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import aioboto3
import pytest
from shop_devtools.testing.events import capture_events, payment_failed_event, wait_until
from shop_shared.aws import to_item
from shop_shared.contracts import EventEnvelope
from shop_shared.messaging import EventBridgePublisher
from shop_shared.outbox import OUTBOX_SHARDS, PENDING_INDEX, DynamoDbOutbox, OutboxRelay
from shop_shared.topology import DeployedTopology

pytestmark = pytest.mark.integration

FAST = {"sweep_interval_seconds": 0.2, "sweep_min_age_seconds": 0.0, "lease_seconds": 3.0}


@pytest.fixture
async def dynamodb(deployed_topology: DeployedTopology) -> AsyncIterator[Any]:
    async with aioboto3.Session().client("dynamodb") as client:
        yield client


@pytest.fixture
async def outbox_table(dynamodb: Any) -> AsyncIterator[str]:
    """An outbox table of this test's own, with the pending index as the topology declares it."""
    name = f"test-outbox-{uuid.uuid4().hex[:8]}"
    await dynamodb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": key, "AttributeType": "S"} for key in ("entry_id", "shard", "pending_at")
        ],
        KeySchema=[{"AttributeName": "entry_id", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": PENDING_INDEX,
                "KeySchema": [
                    {"AttributeName": "shard", "KeyType": "HASH"},
                    {"AttributeName": "pending_at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    yield name
    await dynamodb.delete_table(TableName=name)


async def _store(dynamodb: Any, outbox: DynamoDbOutbox, envelopes: list[EventEnvelope[Any]]) -> None:
    for start in range(0, len(envelopes), 25):
        items = [outbox.put_entry(envelope)["Put"]["Item"] for envelope in envelopes[start : start + 25]]
        await dynamodb.batch_write_item(RequestItems={outbox.table_name: [{"PutRequest": {"Item": i}} for i in items]})


async def _run(relays: list[OutboxRelay], until: Any, timeout: float) -> None:
    stop = asyncio.Event()
    running = [asyncio.create_task(relay.run(stop)) for relay in relays]
    try:
        await wait_until(until, timeout=timeout, interval=0.2, message="the outbox drained")
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*running), timeout=15)


async def test_a_poison_entry_is_parked_and_does_not_hold_back_the_good_ones(
    deployed_topology: DeployedTopology, dynamodb: Any, outbox_table: str
) -> None:
    run_id = str(uuid.uuid4())
    outbox = DynamoDbOutbox(dynamodb, outbox_table)
    good = [payment_failed_event(run_id) for _ in range(100)]
    poison = outbox.put_entry(payment_failed_event(run_id))["Put"]["Item"]
    poison["detail"] = {"S": json.dumps({"metadata": {"event_type": "payment.failed", "event_version": 99}})}
    await dynamodb.put_item(TableName=outbox_table, Item=poison)
    await _store(dynamodb, outbox, good)
    pattern = {"source": ["shop.payment"], "detail": {"data": {"order_id": [run_id]}}}
    async with (
        capture_events(deployed_topology.bus_name, pattern) as capture,
        aioboto3.Session().client("events") as events,
    ):
        relay = OutboxRelay(outbox, EventBridgePublisher(events, deployed_topology.bus_name), **FAST)

        async def drained() -> bool:
            return not await outbox.pending(limit=1)

        await _run([relay], drained, timeout=60)
        received = await capture.wait_for(count=100, timeout=30)

    assert {e.metadata.event_id for e in received} == {e.metadata.event_id for e in good}
    parked = await outbox.get(poison["entry_id"]["S"])
    assert parked is not None and "parked_at" in parked and "shard" not in parked, "out of the pending index"
    assert "InvalidEvent" in parked["last_error"] or "UnknownEventType" in parked["last_error"]
    for envelope in good:
        assert await outbox.get(str(envelope.metadata.event_id)) is None, "published entries leave the table"


async def test_two_relays_divide_the_shards_and_publish_every_entry_once(
    deployed_topology: DeployedTopology, dynamodb: Any, outbox_table: str
) -> None:
    run_id = str(uuid.uuid4())
    outbox = DynamoDbOutbox(dynamodb, outbox_table)
    pattern = {"source": ["shop.payment"], "detail": {"data": {"order_id": [run_id]}}}
    async with (
        capture_events(deployed_topology.bus_name, pattern) as capture,
        aioboto3.Session().client("events") as events,
    ):
        relays = [
            OutboxRelay(outbox, EventBridgePublisher(events, deployed_topology.bus_name), **FAST) for _ in range(2)
        ]
        stop = asyncio.Event()
        running = [asyncio.create_task(relay.run(stop)) for relay in relays]
        try:

            async def shards_divided() -> bool:
                owned = [set(relay.owned_shards) for relay in relays]
                return all(len(shards) == OUTBOX_SHARDS // 2 for shards in owned) and not owned[0] & owned[1]

            await wait_until(shards_divided, timeout=30, interval=0.2, message="each relay owns half the shards")
            # Steady state: entries keep coming in while both relays drain.
            envelopes = [payment_failed_event(run_id) for _ in range(300)]
            for start in range(0, len(envelopes), 50):
                await _store(dynamodb, outbox, envelopes[start : start + 50])
                await asyncio.sleep(0.1)

            async def drained() -> bool:
                return not await outbox.pending(limit=1)

            await wait_until(drained, timeout=60, interval=0.2, message="the outbox drained")
            assert not set(relays[0].owned_shards) & set(relays[1].owned_shards)
        finally:
            stop.set()
            await asyncio.wait_for(asyncio.gather(*running), timeout=15)
        await capture.wait_for(count=len(envelopes), timeout=30)
        await capture.listen(2.0)  # anything more that would come

    copies = Counter(str(e.metadata.event_id) for e in capture.received)
    assert set(copies) == {str(e.metadata.event_id) for e in envelopes}
    assert max(copies.values()) == 1, f"published twice: {[k for k, n in copies.items() if n > 1]}"


async def test_the_relay_reads_with_queries_not_scans(
    deployed_topology: DeployedTopology, dynamodb: Any, outbox_table: str
) -> None:
    outbox = DynamoDbOutbox(dynamodb, outbox_table)
    calls: Counter[str] = Counter()
    original = dynamodb._make_api_call

    async def counting(operation: str, params: dict[str, Any]) -> Any:
        calls[operation] += 1
        return await original(operation, params)

    dynamodb._make_api_call = counting
    try:
        async with aioboto3.Session().client("events") as events:
            relay = OutboxRelay(outbox, EventBridgePublisher(events, deployed_topology.bus_name), **FAST)
            await relay.sweep_once()
    finally:
        dynamodb._make_api_call = original

    assert calls["Scan"] == 0 and calls["Query"] >= 1
    item = await dynamodb.get_item(TableName=outbox_table, Key=to_item({"entry_id": "#relays"}), ConsistentRead=True)
    assert relay.owner in item["Item"]["members"]["M"]
