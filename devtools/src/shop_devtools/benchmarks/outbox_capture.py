"""How `make bench-outbox` sees what reached the bus: a rule into a capture queue, read from several threads,
and the exactly-once check by event id."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING

from shop_devtools.processes import ManagedProcess

from .outbox_shared import THREADS, say

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_sqs import SQSClient

__all__ = ["capture_queue", "exactly_once", "receive_until"]


@contextmanager
def capture_queue(
    sqs: SQSClient, events: EventBridgeClient, bus: str, name: str, pattern: dict[str, object] | None = None
) -> Iterator[str]:
    """A rule sending the bus's events that match `pattern` (by default the outbox benchmark's) to a fresh queue;
    both deleted afterwards."""
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    if pattern is None:
        pattern = {"source": ["shop.payment"], "detail": {"data": {"customer_id": ["c-bench"]}}}
    try:
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(pattern))
        try:
            events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "capture", "Arn": arn}])
            yield url
        finally:
            events.remove_targets(Rule=name, EventBusName=bus, Ids=["capture"])
            events.delete_rule(Name=name, EventBusName=bus)
    finally:
        sqs.delete_queue(QueueUrl=url)


def receive_until(
    sqs: SQSClient,
    queue_url: str,
    received: Counter[str],
    expected: int,
    *,
    deadline: float,
    alive: list[ManagedProcess] | None = None,
) -> None:
    """Receive from several threads until `expected` distinct events arrived."""
    with ThreadPoolExecutor(THREADS) as pool:
        while len(received) < expected:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"only {len(received):,} of {expected:,} events arrived in time")
            if alive and not all(process.running() for process in alive):
                raise RuntimeError("a relay process died; see its log")
            list(pool.map(lambda _: _receive_once(sqs, queue_url, received), range(THREADS)))


def exactly_once(sqs: SQSClient, queue_url: str, received: Counter[str], expected: int, *, label: str) -> bool:
    """Listen until nothing more comes for a few seconds, then count duplicates and misses."""
    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < 5.0:
        if _receive_once(sqs, queue_url, received):
            quiet_since = time.monotonic()
    duplicates = sum(received.values()) - len(received)
    missing = max(0, expected - len(received))
    say(f"{label}: {len(received):,} of {expected:,} events arrived, {duplicates} duplicate(s), {missing} missing")
    return missing == 0 and duplicates == 0 and len(received) == expected


def _receive_once(sqs: SQSClient, queue_url: str, received: Counter[str]) -> int:
    response = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    messages = response.get("Messages", [])
    for message in messages:
        received[json.loads(message["Body"])["detail"]["metadata"]["event_id"]] += 1
    if messages:
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)],
        )
    return len(messages)
