"""Part 4's baseline (`make bench-tiers`): the raw scan + write + publish the tier run needs, and nothing else.

Over the same customers, before the run changes them: a parallel scan with as many segments as the run has
chunks and as many segments at once as the run has task slots; each changed account (the loyalty rules decide)
written with a conditional put and its outbox entry in one TransactWriteItems, 10 at a time per segment, the
round's events put on a bus in batches of ten, then the outbox entries deleted. No Step Functions, no activity
workers, no domain models beyond the requalification. The writes go to shadow tables and the events to a bus
of the benchmark's own with one rule into a queue (the run's tier events have one target too), so the run
itself finds its customers untouched.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aioboto3
from shop_loyalty.adapters.accounts import account_from_item, account_to_item
from shop_shared.aws.clients import open_client

from shop_devtools.benchmarks.cpu import CpuMeter

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_sqs import SQSClient
    from types_aiobotocore_dynamodb import DynamoDBClient as AsyncDynamoDB
    from types_aiobotocore_events import EventBridgeClient as AsyncEvents

__all__ = ["GOAL", "RawPass", "format_raw_pass", "raw_tier_pass"]

GOAL = 0.7
PAGE_SIZE = 250  # the worker's scan page
PARALLEL_WRITES = 10  # the worker's max_parallel_writes
ROUND = PARALLEL_WRITES * 5  # changes saved before their events are published, as the worker does
READ_TIMEOUT = 60.0


@dataclass
class RawPass:
    customers: int = 0
    changes: int = 0
    seconds: float = 0.0
    cpu_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.customers / self.seconds if self.seconds else 0.0


def _change_event(customer_id: str, previous: str, new: str, points: int, as_of: str) -> dict[str, Any]:
    metadata = {
        "event_id": str(uuid.uuid4()),
        "event_type": "loyalty.tier_changed",
        "event_version": 1,
        "occurred_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "source": "shop.loyalty",
        "correlation_id": "raw-pass",
    }
    data = {"customer_id": customer_id, "previous_tier": previous, "new_tier": new, "qualifying_points": points}
    return {"metadata": metadata, "data": data | {"as_of": as_of}}


class _Pass:
    def __init__(self, dynamodb: AsyncDynamoDB, events: AsyncEvents, tables: tuple[str, str, str], bus: str) -> None:
        self.dynamodb, self.events, self.bus = dynamodb, events, bus
        self.source, self.accounts, self.outbox = tables
        self.result = RawPass()

    async def segment(self, number: int, total: int, as_of: str) -> None:
        paginator = self.dynamodb.get_paginator("scan")
        pending: list[tuple[dict[str, Any], dict[str, Any]]] = []
        pages = paginator.paginate(
            TableName=self.source,
            Segment=number,
            TotalSegments=total,
            ConsistentRead=True,
            PaginationConfig={"PageSize": PAGE_SIZE},
        )
        async for page in pages:
            for item in page.get("Items", []):
                self.result.customers += 1
                account = account_from_item(item)
                change = account.requalify(as_of)
                if change is None:
                    continue
                updated = account.model_copy(update={"tier": change.new_tier, "tier_as_of": as_of})
                event = _change_event(
                    account.customer_id, change.previous_tier, change.new_tier, change.qualifying_points, as_of
                )
                pending.append((account_to_item(updated, account.version + 1), event))
                if len(pending) >= ROUND:
                    await self.save_and_publish(pending)
                    pending = []
        await self.save_and_publish(pending)

    async def save_and_publish(self, pending: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
        slots = asyncio.Semaphore(PARALLEL_WRITES)

        async def save(item: dict[str, Any], event: dict[str, Any]) -> None:
            entry = {
                "entry_id": {"S": event["metadata"]["event_id"]},
                "event_type": {"S": "loyalty.tier_changed"},
                "detail": {"S": json.dumps(event)},
                "stored_at": {"N": str(int(time.time() * 1000))},
            }
            async with slots:
                await self.dynamodb.transact_write_items(
                    TransactItems=[
                        {
                            "Put": {
                                "TableName": self.accounts,
                                "Item": item,
                                "ConditionExpression": "attribute_not_exists(customer_id) OR version = :expected",
                                "ExpressionAttributeValues": {":expected": {"N": str(int(item["version"]["N"]) - 1)}},
                            }
                        },
                        {"Put": {"TableName": self.outbox, "Item": entry}},
                    ]
                )

        await asyncio.gather(*(save(item, event) for item, event in pending))
        for start in range(0, len(pending), 10):
            batch = [event for _, event in pending[start : start + 10]]
            await self.events.put_events(
                Entries=[
                    {
                        "EventBusName": self.bus,
                        "Source": "shop.loyalty",
                        "DetailType": "loyalty.tier_changed",
                        "Detail": json.dumps(event),
                    }
                    for event in batch
                ]
            )
            deletes = [{"DeleteRequest": {"Key": {"entry_id": {"S": e["metadata"]["event_id"]}}}} for e in batch]
            await self.dynamodb.batch_write_item(RequestItems={self.outbox: deletes})  # type: ignore[dict-item]
        self.result.changes += len(pending)


async def _run(tables: tuple[str, str, str], bus: str, segments: int, at_once: int, as_of: str) -> RawPass:
    async with AsyncExitStack() as stack:
        session = aioboto3.Session()
        # A slow page of moto on a busy machine is waited for, not failed: the baseline measures throughput.
        dynamodb = await open_client(
            stack, session, "dynamodb", pool_size=at_once * PARALLEL_WRITES + 10, read_timeout=READ_TIMEOUT
        )
        events = await open_client(stack, session, "events", read_timeout=READ_TIMEOUT)
        raw = _Pass(dynamodb, events, tables, bus)
        slots = asyncio.Semaphore(at_once)

        async def one(segment: int) -> None:
            async with slots:
                await raw.segment(segment, segments, as_of)

        began = time.perf_counter()
        await asyncio.gather(*(one(segment) for segment in range(segments)))
        raw.result.seconds = time.perf_counter() - began
        return raw.result


def raw_tier_pass(
    sync_clients: tuple[DynamoDBClient, EventBridgeClient, SQSClient],
    accounts_table: str,
    prefix: str,
    *,
    segments: int,
    at_once: int,
    as_of: str,
    emulator_pids: dict[str, int],
) -> RawPass:
    """Create the shadow tables, bus, rule and queue, time the pass, remove them again."""
    dynamodb, events, sqs = sync_clients
    shadow, outbox, bus = f"{prefix}raw-accounts", f"{prefix}raw-outbox", f"{prefix}raw-bus"
    for table, key in ((shadow, "customer_id"), (outbox, "entry_id")):
        dynamodb.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    events.create_event_bus(Name=bus)
    queue_url = sqs.create_queue(QueueName=f"{prefix}raw-tier-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="raw-tier", EventBusName=bus, EventPattern=json.dumps({"source": ["shop.loyalty"]}))
    events.put_targets(Rule="raw-tier", EventBusName=bus, Targets=[{"Id": "queue", "Arn": arn}])
    try:
        meter = CpuMeter(emulator_pids | {"bench-tiers (raw pass)": os.getpid()})
        meter.start()
        result = asyncio.run(_run((accounts_table, shadow, outbox), bus, segments, at_once, as_of))
        result.cpu_seconds = meter.stop()
        return result
    finally:
        events.remove_targets(Rule="raw-tier", EventBusName=bus, Ids=["queue"])
        events.delete_rule(Name="raw-tier", EventBusName=bus)
        events.delete_event_bus(Name=bus)
        sqs.delete_queue(QueueUrl=queue_url)
        for table in (shadow, outbox):
            dynamodb.delete_table(TableName=table)


def format_raw_pass(raw: RawPass, run_customers: int, run_seconds: float) -> str:
    run_rate = run_customers / run_seconds if run_seconds else 0.0
    ratio = run_rate / raw.rate if raw.rate else float("nan")
    cpu = ", ".join(
        f"{label} {seconds:.1f} s ({seconds / raw.seconds:.2f})"
        for label, seconds in sorted(raw.cpu_seconds.items(), key=lambda item: -item[1])
        if raw.seconds
    )
    verdict = "meets the goal" if ratio >= GOAL else "misses the goal"
    return "\n".join(
        [
            "the run beside the raw scan + write + publish it needs (same customers, same segments and slots):",
            f"  raw pass     {raw.customers:,} customers, {raw.changes:,} changes in {raw.seconds:.1f} s: "
            f"{raw.rate:,.0f} customers/s",
            f"  tier run     {run_customers:,} customers in {run_seconds:.1f} s: {run_rate:,.0f} customers/s",
            f"  run / raw    {ratio:.0%} (goal >= {GOAL:.0%}: {verdict})",
            f"  CPU of the raw pass, s (cores busy): {cpu or 'no CPU figures (emulators not ours)'}",
        ]
    )
