"""The DynamoDB adapters against the emulator: version conditions, ledger duplicates, segments and count."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from shop_devtools.testing.fixtures import AwsClients
from shop_loyalty.adapters import DynamoDbAccounts, DynamoDbLedger
from shop_loyalty.domain import LoyaltyAccount
from shop_shared.outbox import DynamoDbUnitOfWork
from shop_shared.outbox.unit_of_work import StateChange, TransactionCancelled
from shop_shared.topology import DeployedTopology

pytestmark = pytest.mark.integration

AT = datetime(2025, 3, 14, 12, tzinfo=UTC)


def _adapters(aws: AwsClients, deployed: DeployedTopology) -> tuple[DynamoDbAccounts, DynamoDbLedger]:
    accounts = DynamoDbAccounts(aws.dynamodb, deployed.name("loyalty-accounts"))
    return accounts, DynamoDbLedger(deployed.name("loyalty-ledger"))


async def test_a_stale_account_and_a_credited_order_are_told_apart(
    aws: AwsClients, deployed_topology: DeployedTopology
) -> None:
    accounts, ledger = _adapters(aws, deployed_topology)
    unit_of_work = DynamoDbUnitOfWork(aws.dynamodb)
    customer_id, order_id = f"customer-{uuid.uuid4()}", f"order-{uuid.uuid4()}"
    account = LoyaltyAccount(customer_id=customer_id)
    account.credit(order_id, 10, "2025-03", AT)

    def ledger_entry(order: str) -> StateChange[dict[str, Any]]:
        return ledger.credit_entry(
            order_id=order, customer_id=customer_id, points=10, month="2025-03", credited_at=AT, event_id="e"
        )

    await unit_of_work.commit([ledger_entry(order_id), accounts.save_change(account)])
    stored = await accounts.get(customer_id)
    assert stored is not None and stored.version == 1 and stored.points_balance == 10

    # The same order again, from the stale state: both conditions lose.
    with pytest.raises(TransactionCancelled) as duplicate:
        await unit_of_work.commit([ledger_entry(order_id), accounts.save_change(account)])
    assert duplicate.value.reasons == {
        f"ledger:{order_id}": "ConditionalCheckFailed",
        f"account:{customer_id}": "ConditionalCheckFailed",
    }

    # Another order from the stale state: only the version condition loses.
    other_order = ledger_entry(f"order-{uuid.uuid4()}")
    with pytest.raises(TransactionCancelled) as stale:
        await unit_of_work.commit([other_order, accounts.save_change(account)])
    assert not stale.value.condition_failed(other_order) and stale.value.condition_failed(f"account:{customer_id}")
    assert (await accounts.get(customer_id)) == stored


async def test_segments_cover_every_account_once(aws: AwsClients, deployed_topology: DeployedTopology) -> None:
    accounts, _ = _adapters(aws, deployed_topology)
    unit_of_work = DynamoDbUnitOfWork(aws.dynamodb)
    mine = {f"customer-{uuid.uuid4()}" for _ in range(12)}
    for customer_id in mine:
        await unit_of_work.commit([accounts.save_change(LoyaltyAccount(customer_id=customer_id))])
    seen: list[str] = []
    for segment in range(4):
        seen += [account.customer_id async for account in accounts.scan_segment(segment, 4)]
    assert mine <= set(seen)
    assert len(seen) == len(set(seen))
    assert await accounts.count() >= len(mine)
