"""The DynamoDB payment repository against the emulator: conditional accept, the lease (claim, lost lease),
due work found by Query on the sparse sharded index, and a step written in one transaction with its event."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aioboto3
import pytest
from shop_payment.adapters.payments_repository import WORK_SHARDS, DynamoDbPaymentRepository, work_shard
from shop_payment.domain import (
    ChargeDeclined,
    ChargeSucceeded,
    Payment,
    PaymentStatus,
    RetryPolicy,
    outcome_event_id,
)
from shop_shared.aws import to_item
from shop_shared.contracts import EventEnvelope, OrderCreated, new_envelope
from shop_shared.outbox import DynamoDbOutbox
from shop_shared.topology import DeployedTopology

pytestmark = pytest.mark.integration

OrderCreatedFactory = Callable[..., EventEnvelope[OrderCreated]]


@pytest.fixture
async def dynamodb(deployed_topology: DeployedTopology) -> AsyncIterator[Any]:
    async with aioboto3.Session().client("dynamodb") as client:
        yield client


@pytest.fixture
async def repository(dynamodb: Any, deployed_topology: DeployedTopology) -> AsyncIterator[DynamoDbPaymentRepository]:
    """Removes what the test stored, so no payment service of this session resumes a test payment."""
    outbox = DynamoDbOutbox(dynamodb, deployed_topology.name("payment-outbox"))
    repository = DynamoDbPaymentRepository(dynamodb, deployed_topology.name("payments"), outbox)
    added: list[Payment] = []
    original_add = repository.add

    async def tracking_add(payment: Payment, *, owner: str, lease_seconds: float) -> bool:
        added.append(payment)
        return await original_add(payment, owner=owner, lease_seconds=lease_seconds)

    repository.add = tracking_add  # type: ignore[method-assign]
    yield repository
    for payment in added:
        await dynamodb.delete_item(
            TableName=deployed_topology.name("payments"), Key=to_item({"payment_id": payment.payment_id})
        )
        await dynamodb.delete_item(
            TableName=deployed_topology.name("payment-outbox"),
            Key=to_item({"entry_id": str(outcome_event_id(payment.payment_id))}),
        )


ME, OTHER = "worker-a", "worker-b"
LEASE = 60.0


def _pending(order_created: OrderCreatedFactory, *, accepted_at: datetime | None = None) -> Payment:
    envelope = order_created("tok_success")
    return Payment.accept(
        envelope.data,
        event_id=envelope.metadata.event_id,
        correlation_id=envelope.metadata.correlation_id,
        now=accepted_at,
    )


def _outcome_envelope(payment: Payment, fact: Any) -> EventEnvelope[Any]:
    return new_envelope(
        fact,
        correlation_id=payment.correlation_id,
        causation_id=payment.event_id,
        event_id=outcome_event_id(payment.payment_id),
    )


async def test_a_payment_is_accepted_once_leased_and_read_back_intact(
    repository: DynamoDbPaymentRepository, order_created: OrderCreatedFactory
) -> None:
    payment = _pending(order_created)

    assert await repository.add(payment, owner=ME, lease_seconds=LEASE) is True
    assert await repository.add(payment, owner=OTHER, lease_seconds=LEASE) is False
    stored = await repository.get(payment.payment_id)
    assert stored is not None and stored.model_dump(exclude={"due_at"}) == payment.model_dump(exclude={"due_at"})
    assert stored.due_at == payment.created_at + timedelta(seconds=LEASE), "due again only when the lease ends"
    assert await repository.get("no-such-payment") is None


async def test_only_the_lease_holder_or_anyone_after_it_expired_can_claim(
    repository: DynamoDbPaymentRepository, order_created: OrderCreatedFactory
) -> None:
    payment = _pending(order_created)
    await repository.add(payment, owner=ME, lease_seconds=LEASE)
    now = datetime.now(UTC)

    assert await repository.claim(payment.payment_id, owner=OTHER, lease_seconds=LEASE, now=now) is None
    mine = await repository.claim(payment.payment_id, owner=ME, lease_seconds=LEASE, now=now)
    assert mine is not None and mine.status is PaymentStatus.PENDING

    later = now + timedelta(seconds=LEASE + 1)
    taken_over = await repository.claim(payment.payment_id, owner=OTHER, lease_seconds=LEASE, now=later)
    assert taken_over is not None, "an expired lease can be taken over"
    settled, _ = payment.settle(ChargeSucceeded(charge_id="ch_late_writer"))
    assert await repository.save(settled, owner=ME) is False, "the old holder can no longer write"
    stored = await repository.get(payment.payment_id)
    assert stored is not None and stored.status is PaymentStatus.PENDING


async def test_due_work_is_found_by_query_leased_work_only_once_its_lease_expired(
    repository: DynamoDbPaymentRepository, order_created: OrderCreatedFactory
) -> None:
    # Due "in the past" relative to a far-future `now`, so payments other tests leave behind cannot crowd
    # these out of the page: each test's payments are ordered among themselves by their due time.
    base = datetime.now(UTC) + timedelta(days=3650)
    backed_off = _pending(order_created, accepted_at=base)
    leased = _pending(order_created, accepted_at=base)
    await repository.add(backed_off, owner=ME, lease_seconds=LEASE)
    await repository.add(leased, owner=ME, lease_seconds=LEASE)
    claimed = await repository.claim(backed_off.payment_id, owner=ME, lease_seconds=LEASE, now=base)
    assert claimed is not None
    policy = RetryPolicy(backoff_initial_seconds=10)
    assert await repository.save(claimed.retry_later(policy, now=base), owner=ME)

    def due_at(seconds: float) -> Any:
        return repository.due_ids(now=base + timedelta(seconds=seconds), limit=1000)

    assert backed_off.payment_id not in await due_at(5)
    assert backed_off.payment_id in await due_at(11) and leased.payment_id not in await due_at(11)
    both = await due_at(LEASE + 1)
    assert both.index(backed_off.payment_id) < both.index(leased.payment_id), "the longest due first"
    assert len(await repository.due_ids(now=base + timedelta(seconds=LEASE + 1), limit=1)) == 1


async def test_a_settled_payment_leaves_the_due_index(
    repository: DynamoDbPaymentRepository,
    dynamodb: Any,
    deployed_topology: DeployedTopology,
    order_created: OrderCreatedFactory,
) -> None:
    payment = _pending(order_created)
    await repository.add(payment, owner=ME, lease_seconds=LEASE)
    succeeded, fact = payment.settle(ChargeSucceeded(charge_id="ch_123"))
    envelope = _outcome_envelope(payment, fact)

    assert await repository.save(succeeded, owner=ME, events=[envelope]) is True

    stored = await repository.get(payment.payment_id)
    assert stored is not None and stored.status is PaymentStatus.SUCCEEDED
    assert stored.provider_reference == "ch_123" and stored.amount == payment.amount and stored.due_at is None
    raw = await dynamodb.get_item(
        TableName=deployed_topology.name("payments"), Key=to_item({"payment_id": payment.payment_id})
    )
    assert not {"due_at", "work_shard", "lease_owner"} & raw["Item"].keys(), "out of the sparse index"
    entry = await dynamodb.get_item(
        TableName=deployed_topology.name("payment-outbox"),
        Key=to_item({"entry_id": str(envelope.metadata.event_id)}),
        ConsistentRead=True,
    )
    assert json.loads(entry["Item"]["detail"]["S"]) == envelope.to_detail()

    # A second write (a worker whose lease had expired) changes nothing.
    failed, failed_fact = payment.settle(ChargeDeclined(reason="card_expired"))
    assert await repository.save(failed, owner=ME, events=[_outcome_envelope(payment, failed_fact)]) is False
    again = await repository.get(payment.payment_id)
    assert again is not None and again.status is PaymentStatus.SUCCEEDED and again.reason_code is None


def test_work_shards_spread_payment_ids() -> None:
    shards = {work_shard(f"payment-{n}") for n in range(200)}

    assert shards == {str(n) for n in range(WORK_SHARDS)}


async def test_ten_thousand_settled_payments_do_not_make_the_sweep_read_more(
    repository: DynamoDbPaymentRepository,
    dynamodb: Any,
    deployed_topology: DeployedTopology,
    order_created: OrderCreatedFactory,
) -> None:
    """The sweep reads the due-work index only: settled payments are not in it, however many there are."""
    table = deployed_topology.name("payments")
    reads: list[tuple[str, int]] = []
    original = dynamodb._make_api_call

    async def counting(operation: str, params: dict[str, Any]) -> Any:
        response = await original(operation, params)
        if operation in {"Query", "Scan", "GetItem", "BatchGetItem"}:
            reads.append((operation, int(response.get("ScannedCount", response.get("Count", 1)))))
        return response

    async def sweep_reads() -> list[tuple[str, int]]:
        reads.clear()
        dynamodb._make_api_call = counting
        try:
            await repository.due_ids(now=datetime.now(UTC), limit=20)
        finally:
            dynamodb._make_api_call = original
        return list(reads)

    before = await sweep_reads()
    settled = []
    for _ in range(10_000):
        payment, _ = _pending(order_created).settle(ChargeSucceeded(charge_id="ch_settled"))
        settled.append(payment)
    for start in range(0, len(settled), 25):
        requests = [
            {"PutRequest": {"Item": to_item({**_plain(payment), "payment_id": payment.payment_id})}}
            for payment in settled[start : start + 25]
        ]
        while requests:
            response = await dynamodb.batch_write_item(RequestItems={table: requests})
            requests = response.get("UnprocessedItems", {}).get(table, [])
    try:
        after = await sweep_reads()
    finally:
        for start in range(0, len(settled), 25):
            deletes = [
                {"DeleteRequest": {"Key": to_item({"payment_id": p.payment_id})}} for p in settled[start : start + 25]
            ]
            await dynamodb.batch_write_item(RequestItems={table: deletes})

    assert [operation for operation, _ in after] == ["Query"] * WORK_SHARDS, "one Query per shard, no Scan"
    assert sum(count for _, count in after) == sum(count for _, count in before), "no settled payment was read"


def _plain(payment: Payment) -> dict[str, Any]:
    values = payment.model_dump(exclude={"due_at", "unknown_since", "updated_at"})
    return {**values, "status": payment.status.value, "created_at": payment.created_at.isoformat()}
