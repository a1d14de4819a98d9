"""The monthly tier run end to end: the provisioned state machine, the real worker pool, events on the bus."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from shop_batch_worker.domain import tier_changed_event_id
from shop_devtools.processes import ManagedProcess
from shop_devtools.testing.events import EventCapture
from shop_devtools.testing.fixtures import AwsClients
from shop_loyalty.tiers import DynamoDbAccounts
from shop_loyalty.tiers.rules import LoyaltyAccount, month_of, shift_month
from shop_shared.contracts import EventEnvelope
from shop_shared.outbox import DynamoDbUnitOfWork
from shop_shared.topology import DeployedTopology

pytestmark = pytest.mark.integration

RUN_DEADLINE_SECONDS = 60.0
EVENTS_DEADLINE_SECONDS = 20.0


def _customers(month: str) -> dict[str, tuple[LoyaltyAccount, str]]:
    """30 accounts with the tier each must end in: 15 upgrades, 3 downgrades, 12 unchanged."""
    tag = uuid.uuid4().hex[:8]
    year_ago = shift_month(month, -11)  # the oldest month of the window
    too_old = shift_month(month, -12)
    planned: list[tuple[LoyaltyAccount, str]] = []
    for n in range(12):  # cross 1,000 this month
        points = {month: 1000 + 100 * n}
        planned.append((LoyaltyAccount(customer_id=f"{tag}-silver-{n}", points_by_month=points), "SILVER"))
    for n in range(3):
        points = {year_ago: 3000, month: 2000}
        planned.append((LoyaltyAccount(customer_id=f"{tag}-gold-{n}", points_by_month=points), "GOLD"))
    for n in range(10):  # just under, or only with points older than the window
        points = {month: 999 - n} if n % 2 else {too_old: 5000, month: 500}
        planned.append((LoyaltyAccount(customer_id=f"{tag}-bronze-{n}", points_by_month=points), "BRONZE"))
    for n in range(3):
        points = {too_old: 9000}
        account = LoyaltyAccount(customer_id=f"{tag}-down-{n}", tier="GOLD", points_by_month=points)
        planned.append((account, "BRONZE"))
    for n in range(2):
        points = {month: 2500}
        account = LoyaltyAccount(customer_id=f"{tag}-keep-{n}", tier="SILVER", points_by_month=points)
        planned.append((account, "SILVER"))
    return {account.customer_id: (account, tier) for account, tier in planned}


async def _run_to_success(sfn: Any, state_machine_arn: str) -> dict[str, Any]:
    execution = await sfn.start_execution(
        stateMachineArn=state_machine_arn, name=f"test-{uuid.uuid4()}", input=json.dumps({"chunk_size": 10})
    )
    deadline = time.monotonic() + RUN_DEADLINE_SECONDS
    status = "RUNNING"
    while time.monotonic() < deadline:
        described = await sfn.describe_execution(executionArn=execution["executionArn"])
        status = described["status"]
        if status == "SUCCEEDED":
            summary: dict[str, Any] = json.loads(described["output"])
            return summary
        if status != "RUNNING":
            pytest.fail(f"execution ended {status}: {described.get('error')} {described.get('cause')}")
        await asyncio.sleep(0.5)
    pytest.fail(f"execution still {status} after {RUN_DEADLINE_SECONDS:.0f} s")


def _by_customer(envelopes: list[EventEnvelope[Any]], wanted: set[str]) -> dict[str, list[EventEnvelope[Any]]]:
    """The tier events of `wanted` customers, by customer."""
    received: dict[str, list[EventEnvelope[Any]]] = {}
    for envelope in envelopes:
        if envelope.data.customer_id in wanted:
            received.setdefault(envelope.data.customer_id, []).append(envelope)
    return received


async def test_monthly_run_changes_tiers_and_publishes_each_change_once(
    batch_worker: ManagedProcess,
    deployed_topology: DeployedTopology,
    aws: AwsClients,
    tier_events: EventCapture,
) -> None:
    month = month_of(datetime.now(UTC))
    accounts = DynamoDbAccounts(aws.dynamodb, deployed_topology.name("loyalty-accounts"))
    unit_of_work = DynamoDbUnitOfWork(aws.dynamodb)
    customers = _customers(month)
    for account, _ in customers.values():
        await unit_of_work.commit([accounts.save_change(account)])
    changed = {cid for cid, (account, tier) in customers.items() if account.tier != tier}
    assert len(changed) == 18

    state_machine = deployed_topology.arns["state_machine:loyalty-tiers"]
    summary = await _run_to_success(aws.stepfunctions, state_machine)

    # The table is shared with the module's other tests: totals are at least ours.
    assert summary["as_of"] == month
    assert summary["failed_chunks"] == []
    assert summary["chunks"] >= 3
    assert summary["customers_processed"] >= 30
    assert summary["tier_changes"]["SILVER"] >= 12
    assert summary["tier_changes"]["GOLD"] >= 3
    assert summary["tier_changes"]["BRONZE"] >= 3
    assert summary["upgrades"] >= 15 and summary["downgrades"] >= 3
    assert summary["duration_seconds"] > 0

    for customer_id, (account, expected_tier) in customers.items():
        stored = await accounts.get(customer_id)
        assert stored is not None
        if customer_id in changed:
            assert (stored.tier, stored.previous_tier, stored.tier_as_of) == (expected_tier, account.tier, month)
            assert stored.version == 2
        else:
            # Only a change is written: an unchanged account stays exactly as it was.
            assert stored == account.model_copy(update={"version": 1}), customer_id

    await tier_events.wait_for(
        lambda envelope: envelope.data.customer_id in changed, count=len(changed), timeout=EVENTS_DEADLINE_SECONDS
    )
    events = _by_customer(tier_events.received, changed)
    assert set(events) == changed, f"no tier event for {sorted(changed - set(events))}"
    for customer_id, envelopes in events.items():
        # Redelivery may repeat an event, never with another id.
        assert {envelope.metadata.event_id for envelope in envelopes} == {tier_changed_event_id(customer_id, month)}
        data = envelopes[0].data
        account, expected_tier = customers[customer_id]
        assert (data.previous_tier, data.new_tier, data.as_of) == (account.tier, expected_tier, month)

    # A rerun for the same month reports the changes again but changes and publishes nothing.
    rerun = await _run_to_success(aws.stepfunctions, state_machine)
    assert rerun["failed_chunks"] == []
    assert rerun["tier_changes"]["SILVER"] >= 12 and rerun["downgrades"] >= 3
    for customer_id in changed:
        stored = await accounts.get(customer_id)
        assert stored is not None and stored.version == 2
    again = _by_customer(await tier_events.listen(3.0), changed)
    assert again == {}
