"""Cheap checks after a run: the summary's counts, a sample of stored tiers, and the tier events that went out."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from shop_batch_worker.domain import RunSummary
from shop_loyalty.adapters.accounts import account_from_item
from shop_shared.aws import to_item

from shop_devtools.testing.events import QUEUE_COUNTERS

from .loading import LoadedCustomers
from .report import Check

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient

__all__ = ["EventTally", "count_events", "run_checks", "sample_mismatches"]

SETTLE_SECONDS = 2.0  # the queue depth must stay the same this long (EventBridge delivers asynchronously)
SETTLE_TIMEOUT = 30.0


def sample_mismatches(
    dynamodb: DynamoDBClient, table: str, sample: dict[str, tuple[str, str]], as_of: str
) -> list[str]:
    """Customers of the sample whose stored tier is not the expected one; a changed tier must be as of `as_of`.

    The run writes only the accounts whose tier changes, so an unchanged one keeps last month's `tier_as_of`.
    """
    mismatches: list[str] = []
    for customer_id, (before, expected) in sample.items():
        item = dynamodb.get_item(TableName=table, Key=to_item({"customer_id": customer_id}), ConsistentRead=True)
        stored = account_from_item(item["Item"]) if "Item" in item else None
        if stored is None:
            mismatches.append(f"{customer_id}: missing")
        elif stored.tier != expected or (expected != before and stored.tier_as_of != as_of):
            mismatches.append(
                f"{customer_id}: {stored.tier} as of {stored.tier_as_of}, expected {expected} as of {as_of}"
            )
    return mismatches


class EventTally:
    """Tier events on the notifications queue (nobody consumes it during the benchmark) and still in the outbox."""

    def __init__(self, queued: int, in_outbox: int) -> None:
        self.queued = queued
        self.in_outbox = in_outbox


def count_events(sqs: SQSClient, queue_url: str, dynamodb: DynamoDBClient, outbox_table: str) -> EventTally:
    deadline = time.monotonic() + SETTLE_TIMEOUT
    last, stable_since = -1, time.monotonic()
    while True:
        values = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=list(QUEUE_COUNTERS))["Attributes"]
        queued = sum(int(values.get(name, "0")) for name in QUEUE_COUNTERS)
        if queued != last:
            last, stable_since = queued, time.monotonic()
        elif time.monotonic() - stable_since >= SETTLE_SECONDS or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    # Only events count: the table also holds the relays' coordination items (`#relays`, `#shard:<n>` leases).
    in_outbox = sum(
        page["Count"]
        for page in dynamodb.get_paginator("scan").paginate(
            TableName=outbox_table, Select="COUNT", FilterExpression="attribute_exists(event_type)"
        )
    )
    return EventTally(queued, in_outbox)


def run_checks(summary: RunSummary, loaded: LoadedCustomers, mismatches: list[str], events: EventTally) -> list[Check]:
    outlook = loaded.outlook
    changes = summary.upgrades + summary.downgrades
    changed_in_sample = sum(before != after for before, after in loaded.sample.values())
    return [
        Check(
            "customers processed",
            summary.customers_processed == loaded.count,
            f"{summary.customers_processed:,} of {loaded.count:,}",
        ),
        Check("failed chunks", not summary.failed_chunks, f"{len(summary.failed_chunks)} of {summary.chunks}"),
        Check(
            "tier changes as generated",
            (summary.upgrades, summary.downgrades) == (outlook.upgrades, outlook.downgrades),
            f"{summary.upgrades:,} up / {summary.downgrades:,} down, "
            f"generated {outlook.upgrades:,} / {outlook.downgrades:,}",
        ),
        Check(
            "stored tiers of a sample",
            not mismatches,
            f"{len(loaded.sample) - len(mismatches)} of {len(loaded.sample)} as the loyalty rules say"
            f" ({changed_in_sample} of them changed tier)" + (f"; first wrong: {mismatches[0]}" if mismatches else ""),
        ),
        Check(
            "tier events on the bus",
            events.queued >= changes and events.in_outbox == 0,
            f"{events.queued:,} tier events reached the notifications queue for {changes:,} changes"
            f" ({max(0, events.queued - changes):,} published twice), {events.in_outbox:,} left in the outbox",
        ),
    ]
