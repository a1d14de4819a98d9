"""Test helpers for events and queues: catch what reaches the bus, build what EventBridge delivers,
and wait, always with a deadline, for a condition or for a queue to be drained."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

import aioboto3
from shop_shared.contracts import EventEnvelope, OrderCreated, OrderCreatedLine, PaymentFailed, new_envelope
from shop_shared.messaging import envelope_from_sqs_body

if TYPE_CHECKING:
    from types_aiobotocore_sqs import SQSClient

__all__ = [
    "EventCapture",
    "as_eventbridge_event",
    "capture_events",
    "order_created_envelope",
    "payment_failed_event",
    "wait_until",
    "wait_until_drained",
]

QueueCounter = Literal["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
QUEUE_COUNTERS: tuple[QueueCounter, ...] = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")


class EventCapture:
    """What a capture queue received: every copy in `received` (envelopes) and `bodies` (raw SQS bodies)."""

    def __init__(self, sqs: SQSClient, queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self.received: list[EventEnvelope[Any]] = []
        self.bodies: list[str] = []

    async def receive(self, wait_seconds: int = 1) -> list[EventEnvelope[Any]]:
        """One long poll: the events it brought (also added to `received`), deleted from the queue."""
        response = await self._sqs.receive_message(
            QueueUrl=self._queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds
        )
        arrived: list[EventEnvelope[Any]] = []
        for message in response.get("Messages", []):
            arrived.append(envelope_from_sqs_body(message["Body"]))
            self.bodies.append(message["Body"])
            await self._sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"])
        self.received.extend(arrived)
        return arrived

    async def wait_for(
        self,
        predicate: Callable[[EventEnvelope[Any]], bool] = lambda _: True,
        *,
        count: int = 1,
        timeout: float = 20.0,
    ) -> list[EventEnvelope[Any]]:
        """Receive until `count` different events (by event id: a redelivered copy counts once) match
        `predicate`, or fail after `timeout` seconds; returns the first copy of each matching event."""
        deadline = time.monotonic() + timeout
        while True:
            matching: dict[str, EventEnvelope[Any]] = {}
            for envelope in self.received:
                if predicate(envelope):
                    matching.setdefault(str(envelope.metadata.event_id), envelope)
            if len(matching) >= count:
                return list(matching.values())
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"expected {count} matching events within {timeout} s, got {len(matching)}")
            await self.receive(wait_seconds=max(1, min(5, int(remaining))))

    async def listen(self, seconds: float) -> list[EventEnvelope[Any]]:
        """Everything that arrives within `seconds` (to show that nothing more comes)."""
        deadline = time.monotonic() + seconds
        arrived: list[EventEnvelope[Any]] = []
        while (remaining := deadline - time.monotonic()) > 0:
            arrived.extend(await self.receive(wait_seconds=max(1, min(5, int(remaining)))))
        return arrived


@asynccontextmanager
async def capture_events(bus_name: str, event_pattern: dict[str, Any]) -> AsyncIterator[EventCapture]:
    """A rule on `bus_name` with `event_pattern` feeding a fresh queue; both are deleted afterwards."""
    name = f"capture-{uuid.uuid4().hex[:12]}"
    session = aioboto3.Session()
    async with session.client("sqs") as sqs, session.client("events") as events:
        queue_url = (await sqs.create_queue(QueueName=name))["QueueUrl"]
        try:
            queue_arn = (await sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"]))["Attributes"][
                "QueueArn"
            ]
            rule_arn = (
                await events.put_rule(Name=name, EventBusName=bus_name, EventPattern=json.dumps(event_pattern))
            )["RuleArn"]
            try:
                # As on AWS, the queue takes messages only from this rule.
                policy = _rule_may_send(queue_arn, rule_arn)
                await sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": policy})
                await events.put_targets(
                    Rule=name, EventBusName=bus_name, Targets=[{"Id": "capture", "Arn": queue_arn}]
                )
                yield EventCapture(sqs, queue_url)
            finally:
                await events.remove_targets(Rule=name, EventBusName=bus_name, Ids=["capture"])
                await events.delete_rule(Name=name, EventBusName=bus_name)
        finally:
            await sqs.delete_queue(QueueUrl=queue_url)


def _rule_may_send(queue_arn: str, rule_arn: str) -> str:
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": queue_arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def as_eventbridge_event(envelope: EventEnvelope[Any]) -> dict[str, Any]:
    """The whole event as EventBridge delivers it (an API destination's body, a rule's SQS message):
    our envelope is the `detail`."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": envelope.metadata.event_type,
        "source": envelope.metadata.source,
        "account": "000000000000",
        "time": envelope.metadata.occurred_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "us-east-1",
        "resources": [],
        "detail": envelope.to_detail(),
    }


async def wait_until(
    probe: Callable[[], Any], *, timeout: float = 20.0, interval: float = 0.2, message: str = "condition"
) -> Any:
    """Await `probe()` until it returns something truthy; fail with `message` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = await probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} not reached within {timeout} s")
        await asyncio.sleep(interval)


async def wait_until_drained(sqs: SQSClient, queue_url: str, *, timeout: float = 20.0) -> None:
    """Until nothing waits in the queue or is in flight: every message was handled and deleted."""
    deadline = time.monotonic() + timeout
    while True:
        response = await sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=list(QUEUE_COUNTERS))
        counters = {name: response["Attributes"][name] for name in QUEUE_COUNTERS}
        if all(value == "0" for value in counters.values()):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{queue_url} not drained within {timeout} s: {counters}")
        await asyncio.sleep(0.2)


def order_created_envelope(
    customer_id: str,
    total: str,
    *,
    currency: str = "EUR",
    payment_token: str = "tok_integration",  # noqa: S107 - a simulated provider's test token, not a credential
    contact_ciphertext: str = "ZW5jcnlwdGVkLWNvbnRhY3Q=",
) -> EventEnvelope[OrderCreated]:
    """An `order.created` of one line worth `total`, for tests that publish orders without the order service."""
    order = OrderCreated(
        order_id=f"order-{uuid.uuid4()}",
        customer_id=customer_id,
        currency=currency,
        total=Decimal(total),
        items=(OrderCreatedLine(sku="SKU-1", quantity=1, unit_price=Decimal(total)),),
        payment_token=payment_token,
        contact_ciphertext=contact_ciphertext,
    )
    return new_envelope(order, correlation_id=order.order_id)


def payment_failed_event(order_id: str | None = None, *, customer_id: str = "c-1") -> EventEnvelope[PaymentFailed]:
    """A valid payment.failed envelope (a new payment id each call): the test event of the shared messaging code."""
    order_id = order_id or str(uuid.uuid4())
    data = PaymentFailed(
        payment_id=str(uuid.uuid4()),
        order_id=order_id,
        customer_id=customer_id,
        amount=Decimal("10.00"),
        currency="USD",
        reason_code="card_declined",
    )
    return new_envelope(data, correlation_id=order_id)
