"""The tier run when workers die, freeze or share the activity, and when a chunk can never succeed.

Real batch-worker processes on the module's own state machine, rendered from the same ASL with a 3 s
heartbeat timeout so that a lost chunk is noticed within the test. Each worker polls with one slot: a
killed worker then leaves no open GetActivityTask behind. (Step Functions, like LocalStack, keeps serving
a poll whose client is gone for up to 60 s; a task handed to it is lost until its heartbeat times out.
With the production 60 s heartbeat the retry comes after such polls have ended.)
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from shop_batch_worker.domain import tier_changed_event_id
from shop_devtools.processes import ManagedProcess
from shop_devtools.testing.events import EventCapture
from shop_devtools.testing.fixtures import AwsClients, StartService, free_port
from shop_loyalty.tiers import DynamoDbAccounts
from shop_loyalty.tiers.rules import LoyaltyAccount, month_of
from shop_shared.topology import DeployedTopology, Topology, load_topology

pytestmark = pytest.mark.integration

HEARTBEAT_SECONDS = 3
WORKER_ENV = {"BATCH_HEARTBEAT_INTERVAL_SECONDS": "1", "BATCH_MAX_CONCURRENT_TASKS": "1"}
RUN_DEADLINE_SECONDS = 90.0
# Big enough that a worker is still busy with its chunk when the test sees it start.
CUSTOMERS_PER_RUN = 300

StartWorker = Callable[[str], ManagedProcess]


@pytest.fixture(scope="module")
def topology() -> Topology:
    return load_topology().with_state_machine_parameters(
        "loyalty-tiers", chunk_heartbeat_seconds=HEARTBEAT_SECONDS, chunk_timeout_seconds=120
    )


@pytest.fixture(scope="module")
def start_worker(start_service_process: StartService) -> StartWorker:
    """A batch-worker process of its own name and port (started again if it was stopped)."""
    ports: dict[str, int] = {}

    def start(name: str) -> ManagedProcess:
        port = ports.setdefault(name, free_port())
        return start_service_process("batch-worker", extra_env={**WORKER_ENV, "BATCH_WORKER_NAME": name}, port=port)

    return start


async def load_customers(aws: AwsClients, deployed: DeployedTopology, count: int) -> dict[str, LoyaltyAccount]:
    """`count` BRONZE accounts with 1,500 points this month: every one must become SILVER."""
    accounts = DynamoDbAccounts(aws.dynamodb, deployed.name("loyalty-accounts"))
    tag = uuid.uuid4().hex[:8]
    month = month_of(datetime.now(UTC))
    created = {
        f"{tag}-{n}": LoyaltyAccount(customer_id=f"{tag}-{n}", points_by_month={month: 1500}) for n in range(count)
    }
    requests = [
        {"PutRequest": {"Item": accounts.save_change(account).write["Put"]["Item"]}} for account in created.values()
    ]
    for start in range(0, len(requests), 25):
        batch = {deployed.name("loyalty-accounts"): requests[start : start + 25]}
        while batch:
            batch = (await aws.dynamodb.batch_write_item(RequestItems=batch)).get("UnprocessedItems") or {}
    return created


async def start_run(aws: AwsClients, deployed: DeployedTopology, chunk_size: int) -> str:
    execution = await aws.stepfunctions.start_execution(
        stateMachineArn=deployed.arns["state_machine:loyalty-tiers"],
        name=f"test-{uuid.uuid4()}",
        input=json.dumps({"chunk_size": chunk_size}),
    )
    arn: str = execution["executionArn"]
    return arn


async def history(aws: AwsClients, execution_arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    pages = aws.stepfunctions.get_paginator("get_execution_history").paginate(executionArn=execution_arn)
    async for page in pages:
        events.extend(page["events"])
    return events


def chunk_workers(events: list[dict[str, Any]]) -> list[str]:
    """The worker of every chunk task started (PlanChunks is the first activity, Summarise the last)."""
    scheduled = {
        event["id"]
        for event in events
        if event["type"] == "ActivityScheduled"
        and json.loads(event["activityScheduledEventDetails"]["input"]).get("task") == "recompute_tiers"
    }
    return [
        event["activityStartedEventDetails"]["workerName"]
        for event in events
        if event["type"] == "ActivityStarted" and event["previousEventId"] in scheduled
    ]


async def wait_for_chunk_start(aws: AwsClients, execution_arn: str) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        workers = chunk_workers(await history(aws, execution_arn))
        if workers:
            return workers[0]
        await asyncio.sleep(0.05)
    events = [(e["id"], e["type"], e.get("previousEventId")) for e in await history(aws, execution_arn)]
    pytest.fail(f"no chunk task started within 30 s: {events}")


async def wait_for_success(aws: AwsClients, execution_arn: str) -> dict[str, Any]:
    deadline = time.monotonic() + RUN_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        described = await aws.stepfunctions.describe_execution(executionArn=execution_arn)
        if described["status"] == "SUCCEEDED":
            summary: dict[str, Any] = json.loads(described["output"])
            return summary
        if described["status"] != "RUNNING":
            pytest.fail(f"execution ended {described['status']}: {described.get('error')} {described.get('cause')}")
        await asyncio.sleep(0.5)
    events = [(e["id"], e["type"], e.get("previousEventId")) for e in await history(aws, execution_arn)]
    pytest.fail(f"execution still running after {RUN_DEADLINE_SECONDS:.0f} s: {events}")


async def assert_all_silver(aws: AwsClients, deployed: DeployedTopology, customers: dict[str, LoyaltyAccount]) -> None:
    accounts = DynamoDbAccounts(aws.dynamodb, deployed.name("loyalty-accounts"))
    for customer_id in customers:
        stored = await accounts.get(customer_id)
        assert stored is not None and (stored.tier, stored.version) == ("SILVER", 2), customer_id


def timed_out_activities(events: list[dict[str, Any]]) -> int:
    return sum(1 for event in events if event["type"] == "ActivityTimedOut")


async def test_sigterm_mid_chunk_fails_the_chunk_back_and_another_worker_retries_it_at_once(
    start_service_process: StartService, start_worker: StartWorker, deployed_topology: DeployedTopology, aws: AwsClients
) -> None:
    customers = await load_customers(aws, deployed_topology, CUSTOMERS_PER_RUN)
    # A grace too short for the chunk (3.2 s minus the 3 s margin): what ECS's stopTimeout would cut off.
    impatient_env = {**WORKER_ENV, "BATCH_WORKER_NAME": "stopping-worker", "BATCH_SHUTDOWN_GRACE_SECONDS": "3.2"}
    stopping = start_service_process("batch-worker", extra_env=impatient_env, port=free_port())
    execution = await start_run(aws, deployed_topology, chunk_size=10_000)
    assert await wait_for_chunk_start(aws, execution) == "stopping-worker"
    # uvicorn raises SIGTERM again once its graceful shutdown is done: -15 is a drained exit, -9 would be SIGKILL.
    exit_code = stopping.stop(timeout=15)
    assert exit_code in (0, -signal.SIGTERM), "the worker exited by itself after failing the chunk back"
    start_worker("worker-a")  # the module's first test: no other worker polls before this one

    summary = await wait_for_success(aws, execution)
    events = await history(aws, execution)
    failures = [e["activityFailedEventDetails"]["error"] for e in events if e["type"] == "ActivityFailed"]
    assert failures == ["Worker.Stopped"]
    assert timed_out_activities(events) == 0, "retried at once, not after a heartbeat timeout"
    assert chunk_workers(events)[-1] == "worker-a"
    assert summary["failed_chunks"] == []
    await assert_all_silver(aws, deployed_topology, customers)


async def test_a_worker_killed_mid_chunk_loses_the_chunk_to_the_heartbeat_timeout_and_the_retry_succeeds(
    start_worker: StartWorker, deployed_topology: DeployedTopology, aws: AwsClients
) -> None:
    customers = await load_customers(aws, deployed_topology, CUSTOMERS_PER_RUN)
    workers = {name: start_worker(name) for name in ("worker-a", "worker-b")}
    execution = await start_run(aws, deployed_topology, chunk_size=10_000)  # one chunk
    holder = await wait_for_chunk_start(aws, execution)
    os.killpg(workers[holder].pid, signal.SIGKILL)  # busy with its one slot: it leaves no open poll behind
    workers[holder].stop(timeout=5)

    summary = await wait_for_success(aws, execution)
    events = await history(aws, execution)
    assert timed_out_activities(events) >= 1, "the killed worker's chunk timed out on its heartbeat"
    assert chunk_workers(events)[-1] != holder, "the other worker took the retry"
    assert summary["failed_chunks"] == [] and summary["customers_processed"] >= CUSTOMERS_PER_RUN
    await assert_all_silver(aws, deployed_topology, customers)


async def test_a_frozen_worker_times_out_and_its_late_work_doubles_nothing(
    start_worker: StartWorker, deployed_topology: DeployedTopology, aws: AwsClients, tier_events: EventCapture
) -> None:
    customers = await load_customers(aws, deployed_topology, CUSTOMERS_PER_RUN)
    workers = {name: start_worker(name) for name in ("worker-a", "worker-b")}
    execution = await start_run(aws, deployed_topology, chunk_size=10_000)
    holder = await wait_for_chunk_start(aws, execution)
    os.killpg(workers[holder].pid, signal.SIGSTOP)  # alive but silent: no heartbeat, no result
    try:
        summary = await wait_for_success(aws, execution)
    finally:
        os.killpg(workers[holder].pid, signal.SIGCONT)  # it wakes up and finishes a chunk it no longer owns
    events = await history(aws, execution)
    assert timed_out_activities(events) >= 1
    assert chunk_workers(events)[-1] != holder, "the other worker took the retry"
    assert summary["failed_chunks"] == []

    # Both workers wrote the same change with the same event id: one version step, one event per customer.
    month = month_of(datetime.now(UTC))

    def ours(envelope: Any) -> bool:
        return bool(envelope.data.customer_id in customers)

    await tier_events.wait_for(ours, count=len(customers), timeout=30)
    await tier_events.listen(3.0)  # whatever the woken worker would add
    await assert_all_silver(aws, deployed_topology, customers)
    ids = {envelope.data.customer_id: set() for envelope in tier_events.received if ours(envelope)}
    for envelope in tier_events.received:
        if ours(envelope):
            ids[envelope.data.customer_id].add(envelope.metadata.event_id)
    assert ids == {customer_id: {tier_changed_event_id(customer_id, month)} for customer_id in customers}


async def test_two_workers_share_the_chunks_of_a_run(
    start_worker: StartWorker, deployed_topology: DeployedTopology, aws: AwsClients
) -> None:
    customers = await load_customers(aws, deployed_topology, 200)
    start_worker("worker-a")
    start_worker("worker-b")
    execution = await start_run(aws, deployed_topology, chunk_size=100)  # about eight chunks, one slot each
    summary = await wait_for_success(aws, execution)
    workers = chunk_workers(await history(aws, execution))
    assert set(workers) == {"worker-a", "worker-b"}, f"chunks by worker: {workers}"
    assert summary["failed_chunks"] == [] and summary["chunks"] == len(workers)
    await assert_all_silver(aws, deployed_topology, customers)


async def test_a_chunk_that_always_fails_is_reported_and_the_run_still_succeeds(
    start_worker: StartWorker, deployed_topology: DeployedTopology, aws: AwsClients
) -> None:
    start_worker("worker-a")
    table = deployed_topology.name("loyalty-accounts")
    poison = {"customer_id": {"S": f"poison-{uuid.uuid4().hex[:8]}"}, "tier": {"S": "DIAMOND"}}
    await aws.dynamodb.put_item(TableName=table, Item=poison)  # a row no worker can read
    try:
        execution = await start_run(aws, deployed_topology, chunk_size=500)
        summary = await wait_for_success(aws, execution)
    finally:
        await aws.dynamodb.delete_item(TableName=table, Key={"customer_id": poison["customer_id"]})
    assert len(summary["failed_chunks"]) == 1, summary["failed_chunks"]
    assert summary["failed_chunks"][0]["error"] == "ValidationError"
    assert summary["chunks"] > 1 and summary["customers_processed"] > 0
    failures = [e for e in await history(aws, execution) if e["type"] == "ActivityFailed"]
    assert len(failures) == 3, "the first attempt and both retries failed, then the Catch recorded the chunk"
