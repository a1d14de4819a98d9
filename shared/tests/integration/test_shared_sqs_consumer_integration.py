"""The consumer against real SQS (LocalStack): visibility heartbeat and graceful shutdown."""

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aioboto3
import pytest
from shop_devtools.testing.events import wait_until
from shop_shared.contracts import PaymentFailed, new_envelope
from shop_shared.messaging import SqsEventConsumer
from shop_shared.topology import DeployedTopology

pytestmark = pytest.mark.integration


def body(order_id: str) -> str:
    data = PaymentFailed(
        payment_id="p", order_id=order_id, customer_id="c", amount=1, currency="USD", reason_code="card_declined"
    )
    return json.dumps({"detail-type": "payment.failed", "detail": new_envelope(data, correlation_id="c").to_detail()})


@pytest.fixture
async def sqs(deployed_topology: DeployedTopology) -> AsyncIterator[Any]:
    async with aioboto3.Session().client("sqs") as client:
        yield client


async def make_queue(sqs: Any, visibility_timeout: int) -> tuple[str, str]:
    """A queue with its DLQ (maxReceiveCount 3); returns (queue_url, dlq_url)."""
    name = f"consumer-{uuid.uuid4().hex[:8]}"
    dlq_url = (await sqs.create_queue(QueueName=f"{name}-dlq"))["QueueUrl"]
    dlq_arn = (await sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"]))["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})
    attributes = {"VisibilityTimeout": str(visibility_timeout), "RedrivePolicy": redrive}
    queue_url = (await sqs.create_queue(QueueName=name, Attributes=attributes))["QueueUrl"]
    return queue_url, dlq_url


async def queue_counts(sqs: Any, queue_url: str) -> tuple[int, int]:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = (await sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=names))["Attributes"]
    return int(attributes[names[0]]), int(attributes[names[1]])


async def test_a_handler_slower_than_the_visibility_timeout_keeps_its_message(sqs: Any) -> None:
    queue_url, dlq_url = await make_queue(sqs, visibility_timeout=1)
    try:
        await sqs.send_message(QueueUrl=queue_url, MessageBody=body("slow"))
        handled: list[str] = []
        stolen: list[str] = []

        started = asyncio.Event()

        async def slow(envelope: Any) -> None:
            started.set()
            await asyncio.sleep(3.5)  # three and a half visibility timeouts
            handled.append(envelope.data.order_id)

        async def other_worker(envelope: Any) -> None:
            stolen.append(envelope.data.order_id)

        stop = asyncio.Event()
        consumer = SqsEventConsumer(sqs, queue_url, {"payment.failed": slow}, wait_time_seconds=1)
        running = asyncio.create_task(consumer.run(stop))
        await asyncio.wait_for(started.wait(), 10)
        other = SqsEventConsumer(sqs, queue_url, {"payment.failed": other_worker}, wait_time_seconds=1)
        deadline = time.monotonic() + 15
        while not handled:
            assert time.monotonic() < deadline, "the slow handler never finished"
            await other.poll_once()  # another task polling the same queue meanwhile
        assert stolen == [], "the message was redelivered while its handler ran"

        async def gone() -> bool:
            return await queue_counts(sqs, queue_url) == (0, 0)

        await wait_until(gone, timeout=10, message="the handled message deleted")
        stop.set()
        await asyncio.wait_for(running, 10)
        assert handled == ["slow"]
    finally:
        await sqs.delete_queue(QueueUrl=queue_url)
        await sqs.delete_queue(QueueUrl=dlq_url)


async def test_stop_finishes_running_handlers_and_gives_back_the_rest_at_once(sqs: Any) -> None:
    # A long visibility timeout: another worker can only get the unstarted messages this soon if they are given back.
    queue_url, dlq_url = await make_queue(sqs, visibility_timeout=30)
    try:
        orders = [f"o-{i}" for i in range(5)]
        await sqs.send_message_batch(
            QueueUrl=queue_url, Entries=[{"Id": order, "MessageBody": body(order)} for order in orders]
        )
        gate = asyncio.Event()
        first: list[str] = []
        second: list[str] = []

        async def held_until_gate(envelope: Any) -> None:
            first.append(envelope.data.order_id)
            await gate.wait()

        async def quick(envelope: Any) -> None:
            second.append(envelope.data.order_id)

        stop = asyncio.Event()
        consumer = SqsEventConsumer(
            sqs, queue_url, {"payment.failed": held_until_gate}, wait_time_seconds=1, max_in_flight=2
        )
        running = asyncio.create_task(consumer.run(stop))

        async def all_received() -> bool:
            return len(first) == 2 and await queue_counts(sqs, queue_url) == (0, 5)

        await wait_until(all_received, timeout=10, message="five received, two handlers running")
        stop.set()  # what the lifespan shutdown does on SIGTERM
        other = SqsEventConsumer(sqs, queue_url, {"payment.failed": quick}, wait_time_seconds=1)

        async def taken_over() -> bool:
            await other.poll_once()
            return len(second) >= 3

        await wait_until(taken_over, timeout=8, interval=0, message="the unstarted messages taken by another worker")
        assert not running.done(), "the running handlers are still finishing"
        gate.set()
        await asyncio.wait_for(running, 10)

        async def empty() -> bool:
            return await queue_counts(sqs, queue_url) == (0, 0)

        await wait_until(empty, timeout=10, message="every message deleted")
        assert len(first) == 2 and sorted(first + second) == orders, "each message handled exactly once"
    finally:
        await sqs.delete_queue(QueueUrl=queue_url)
        await sqs.delete_queue(QueueUrl=dlq_url)


async def test_a_failing_message_is_retried_then_lands_in_the_dlq(sqs: Any) -> None:
    queue_url, dlq_url = await make_queue(sqs, visibility_timeout=1)
    try:
        await sqs.send_message(QueueUrl=queue_url, MessageBody=body("poison"))
        attempts = 0

        async def always_fails(_: Any) -> None:
            nonlocal attempts
            attempts += 1
            raise RuntimeError("poison")

        stop = asyncio.Event()
        consumer = SqsEventConsumer(sqs, queue_url, {"payment.failed": always_fails}, wait_time_seconds=1)
        running = asyncio.create_task(consumer.run(stop))

        async def in_dlq() -> bool:
            return (await queue_counts(sqs, dlq_url))[0] == 1

        await wait_until(in_dlq, timeout=30, message="the message in the DLQ")
        stop.set()
        await asyncio.wait_for(running, 10)
        assert attempts == 3  # maxReceiveCount receives, then the DLQ
    finally:
        await sqs.delete_queue(QueueUrl=queue_url)
        await sqs.delete_queue(QueueUrl=dlq_url)


async def test_a_message_arriving_during_the_poll_under_way_at_stop_is_given_back_at_once(sqs: Any) -> None:
    # SQS hands a message to a poll whose client has gone; the consumer waits its last poll out instead.
    queue_url, dlq_url = await make_queue(sqs, visibility_timeout=60)
    try:
        handled: list[str] = []

        async def record(envelope: Any) -> None:
            handled.append(envelope.data.order_id)

        stop = asyncio.Event()
        consumer = SqsEventConsumer(sqs, queue_url, {"payment.failed": record}, wait_time_seconds=5)
        running = asyncio.create_task(consumer.run(stop))
        await asyncio.sleep(1.0)  # the consumer is inside its long poll on the empty queue
        stop.set()
        await sqs.send_message(QueueUrl=queue_url, MessageBody=body("arrived-at-stop"))
        await asyncio.wait_for(running, 15)
        assert handled == [], "nothing is handled after the stop"
        started = time.monotonic()
        response = await sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=2)
        assert len(response.get("Messages", [])) == 1, "the message is visible again at once, not after 60 s"
        assert time.monotonic() - started < 5
    finally:
        await sqs.delete_queue(QueueUrl=queue_url)
        await sqs.delete_queue(QueueUrl=dlq_url)
