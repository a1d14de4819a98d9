"""The relay side of `make bench-outbox`: a backlog written while the bus refuses, and relay processes
timed while they drain it."""

from __future__ import annotations

import sys
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from shop_shared.contracts import EventEnvelope
from shop_shared.outbox import OUTBOX_SHARDS, PENDING_INDEX, DynamoDbOutbox

from shop_devtools.emulators import base_process_env
from shop_devtools.paths import REPO_ROOT
from shop_devtools.processes import ManagedProcess, stop_all
from shop_devtools.runtime import LocalAws, free_port
from shop_devtools.testing.events import payment_failed_event

from .cpu import CpuMeter
from .outbox_capture import receive_until
from .outbox_shared import RELAY_CONCURRENT_SHARDS, THREADS, Round, say

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient
    from types_aiobotocore_dynamodb import DynamoDBClient as AsyncDynamoDBClient

__all__ = ["backlog_while_the_bus_refuses", "count_backlog", "drain"]


def backlog_while_the_bus_refuses(
    dynamodb: DynamoDBClient, table: str, count: int, runtime: LocalAws, work_dir: Path
) -> list[EventEnvelope[Any]]:
    """A relay runs against a bus that does not exist while the backlog is written: it keeps failing and
    backing off, and every entry stays in the outbox."""
    # EventBridge unreachable: every PutEvents fails. (LocalStack accepts PutEvents to a bus that does not
    # exist, so a wrong bus name would not do.)
    refusing = _start_relay(
        table, "bench-bus-unreachable", runtime, work_dir, "refused", events_endpoint=f"http://127.0.0.1:{free_port()}"
    )
    try:
        run_id = str(uuid.uuid4())
        envelopes = [payment_failed_event(run_id, customer_id="c-bench") for _ in range(count)]
        # Only put_entry is used: it builds the item the services store and never calls the (async) client.
        writer = DynamoDbOutbox(cast("AsyncDynamoDBClient", dynamodb), table)
        chunks = [envelopes[start : start + 25] for start in range(0, count, 25)]

        def write(chunk: list[EventEnvelope[Any]]) -> None:
            requests: dict[str, Any] = {
                table: [{"PutRequest": {"Item": writer.put_entry(e)["Put"]["Item"]}} for e in chunk]
            }
            while requests:
                requests = dynamodb.batch_write_item(RequestItems=requests).get("UnprocessedItems") or {}

        began = time.perf_counter()
        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(write, chunks))
        waiting = count_backlog(dynamodb, table)
        say(f"wrote {count:,} entries in {time.perf_counter() - began:.1f} s while the bus refused: {waiting:,} wait")
        if waiting != count:
            raise RuntimeError(f"{count - waiting} entries left the outbox although the bus refused every publish")
        return envelopes
    finally:
        stop_all([refusing])


def drain(
    relays: int,
    table: str,
    bus: str,
    runtime: LocalAws,
    work_dir: Path,
    emulators: dict[str, int],
    timeout: float,
    received: Counter[str],
    sqs: SQSClient,
    queue_url: str,
    expected: int,
) -> Round:
    """Start the relays and time until every event has reached the capture queue. Completion is read from the
    queue, not the table: on moto every query reads the whole table, so polling the backlog would make the
    benchmark's own reads what the emulator spends its CPU on."""
    label = f"{relays} relay process{'es' if relays > 1 else ''}"
    began = time.perf_counter()
    processes = [_start_relay(table, bus, runtime, work_dir, f"{relays}-{number}") for number in range(relays)]
    meter = CpuMeter(emulators | {f"relay-{number}": p.pid for number, p in enumerate(processes)})
    meter.start()
    try:
        receive_until(sqs, queue_url, received, expected, deadline=began + timeout, alive=processes)
        seconds = time.perf_counter() - began
        return Round(label, expected, seconds, meter.stop())
    finally:
        stop_all(processes)


def count_backlog(dynamodb: DynamoDBClient, table: str) -> int:
    """Entries still waiting in the outbox, shard by shard on the pending index."""
    total = 0
    for shard in range(OUTBOX_SHARDS):
        pages = dynamodb.get_paginator("query").paginate(
            TableName=table,
            IndexName=PENDING_INDEX,
            KeyConditionExpression="#shard = :shard",
            ExpressionAttributeNames={"#shard": "shard"},
            ExpressionAttributeValues={":shard": {"S": str(shard)}},
            Select="COUNT",
        )
        total += sum(int(page["Count"]) for page in pages)
    return total


def _start_relay(
    table: str, bus: str, runtime: LocalAws, work_dir: Path, name: str, *, events_endpoint: str | None = None
) -> ManagedProcess:
    env = {
        **base_process_env(),
        **runtime.env,
        **({"AWS_ENDPOINT_URL_EVENTBRIDGE": events_endpoint} if events_endpoint else {}),
        "BENCH_OUTBOX_TABLE": table,
        "BENCH_EVENT_BUS": bus,
        "BENCH_CONCURRENT_SHARDS": str(RELAY_CONCURRENT_SHARDS),
    }
    command = [sys.executable, "-m", "shop_devtools.benchmarks.outbox_relay_process"]
    return ManagedProcess(f"relay-{name}", command, env=env, cwd=REPO_ROOT, log_file=work_dir / f"relay-{name}.log")
