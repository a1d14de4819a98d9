"""Publisher -> bus -> rule -> queue -> consumer on the real local runtime, and poison messages to the DLQ."""

import asyncio
import json
import uuid
from typing import Any

import aioboto3
import pytest
from shop_devtools.testing.events import capture_events, payment_failed_event, wait_until
from shop_shared.messaging import EventBridgePublisher, SqsEventConsumer
from shop_shared.outbox import DynamoDbOutbox, OutboxRelay
from shop_shared.topology import DeployedTopology

pytestmark = pytest.mark.integration


async def test_published_events_reach_a_rule_queue_and_the_consumer(deployed_topology: DeployedTopology) -> None:
    order_id = str(uuid.uuid4())
    pattern = {"source": ["shop.payment"], "detail": {"data": {"order_id": [order_id]}}}
    session = aioboto3.Session()
    async with capture_events(deployed_topology.bus_name, pattern) as capture, session.client("events") as events:
        envelope = payment_failed_event(order_id)
        result = await EventBridgePublisher(events, deployed_topology.bus_name).publish([envelope])
        assert result.published == [envelope.metadata.event_id] and not result.failed
        [received] = await capture.wait_for(lambda e: e.metadata.event_id == envelope.metadata.event_id)
        assert received == envelope


async def test_a_poison_message_ends_in_the_dead_letter_queue(deployed_topology: DeployedTopology) -> None:
    session = aioboto3.Session()
    name = f"poison-{uuid.uuid4().hex[:8]}"
    async with session.client("sqs") as sqs:
        dlq_url = (await sqs.create_queue(QueueName=f"{name}-dlq"))["QueueUrl"]
        dlq_arn = (await sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"]))["Attributes"][
            "QueueArn"
        ]
        redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
        queue_url = (
            await sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "1", "RedrivePolicy": redrive})
        )["QueueUrl"]
        try:
            body = json.dumps({"detail-type": "payment.failed", "detail": payment_failed_event("o").to_detail()})
            await sqs.send_message(QueueUrl=queue_url, MessageBody=body)
            attempts = 0

            async def always_fails(_: Any) -> None:
                nonlocal attempts
                attempts += 1
                raise RuntimeError("poison")

            consumer = SqsEventConsumer(sqs, queue_url, {"payment.failed": always_fails}, wait_time_seconds=1)

            async def in_dlq() -> bool:
                await consumer.poll_once()
                attributes = await sqs.get_queue_attributes(
                    QueueUrl=dlq_url, AttributeNames=["ApproximateNumberOfMessages"]
                )
                return attributes["Attributes"]["ApproximateNumberOfMessages"] == "1"

            await wait_until(in_dlq, timeout=30, message="message in the DLQ")
            assert attempts == 2  # maxReceiveCount receives, then the DLQ
        finally:
            await sqs.delete_queue(QueueUrl=queue_url)
            await sqs.delete_queue(QueueUrl=dlq_url)


async def test_outbox_sweep_publishes_what_a_crash_left_unpublished(deployed_topology: DeployedTopology) -> None:
    """Commit the event with the state change, 'crash' before publishing: the relay's sweep still sends it."""
    order_id = str(uuid.uuid4())
    table = deployed_topology.name("order-outbox")
    session = aioboto3.Session()
    pattern = {"source": ["shop.payment"], "detail": {"data": {"order_id": [order_id]}}}
    async with (
        capture_events(deployed_topology.bus_name, pattern) as capture,
        session.client("dynamodb") as dynamodb,
        session.client("events") as events,
    ):
        outbox = DynamoDbOutbox(dynamodb, table)
        envelope = payment_failed_event(order_id)
        await dynamodb.transact_write_items(TransactItems=[outbox.put_entry(envelope)])
        # The publisher never ran (the process died after the commit). A new process starts its relay:
        relay = OutboxRelay(outbox, EventBridgePublisher(events, deployed_topology.bus_name), sweep_min_age_seconds=0)
        stop = asyncio.Event()
        sweeping = asyncio.create_task(relay.run(stop))
        try:
            await capture.wait_for(lambda e: e.metadata.event_id == envelope.metadata.event_id)
        finally:
            stop.set()
            await asyncio.wait_for(sweeping, timeout=10)
        remaining = await outbox.pending()
        assert envelope.metadata.event_id not in {entry.envelope.metadata.event_id for entry in remaining}
