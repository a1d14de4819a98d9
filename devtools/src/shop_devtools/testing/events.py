"""Test helper: catch the events a test expects on the bus, with a temporary rule and queue."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aioboto3
from shop_shared.contracts import EventEnvelope
from shop_shared.messaging import envelope_from_sqs_body

__all__ = ["EventCapture", "capture_events", "wait_until"]


class EventCapture:
    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self.received: list[EventEnvelope[Any]] = []

    async def wait_for(
        self, predicate: Callable[[EventEnvelope[Any]], bool], *, count: int = 1, timeout: float = 20.0
    ) -> list[EventEnvelope[Any]]:
        """Receive until `count` events match `predicate`, or fail after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            matching = [envelope for envelope in self.received if predicate(envelope)]
            if len(matching) >= count:
                return matching
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"expected {count} matching events within {timeout} s, got {len(matching)}")
            response = await self._sqs.receive_message(
                QueueUrl=self._queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=max(1, min(5, int(remaining)))
            )
            for message in response.get("Messages", []):
                self.received.append(envelope_from_sqs_body(message["Body"]))
                await self._sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"])


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
            await events.put_rule(Name=name, EventBusName=bus_name, EventPattern=json.dumps(event_pattern))
            await events.put_targets(Rule=name, EventBusName=bus_name, Targets=[{"Id": "capture", "Arn": queue_arn}])
            try:
                yield EventCapture(sqs, queue_url)
            finally:
                await events.remove_targets(Rule=name, EventBusName=bus_name, Ids=["capture"])
                await events.delete_rule(Name=name, EventBusName=bus_name)
        finally:
            await sqs.delete_queue(QueueUrl=queue_url)


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
