"""The DynamoDB payment repository against the emulator: conditional accept, pending scan, and the
outcome written in one transaction with its outbox entry."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aioboto3
import pytest
from shop_payment.adapters.payments_repository import DynamoDbPaymentRepository
from shop_payment.domain import ChargeDeclined, ChargeSucceeded, Payment, PaymentStatus, outcome_event_id
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

    async def tracking_add(payment: Payment) -> bool:
        added.append(payment)
        return await original_add(payment)

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


def _pending(order_created: OrderCreatedFactory) -> Payment:
    envelope = order_created("tok_success")
    return Payment.accept(
        envelope.data, event_id=envelope.metadata.event_id, correlation_id=envelope.metadata.correlation_id
    )


def _outcome_envelope(payment: Payment, fact: Any) -> EventEnvelope[Any]:
    return new_envelope(
        fact,
        correlation_id=payment.correlation_id,
        causation_id=payment.event_id,
        event_id=outcome_event_id(payment.payment_id),
    )


async def test_a_payment_is_accepted_once_and_read_back_intact(
    repository: DynamoDbPaymentRepository, order_created: OrderCreatedFactory
) -> None:
    payment = _pending(order_created)

    assert await repository.add(payment) is True
    assert await repository.add(payment) is False
    assert await repository.get(payment.payment_id) == payment
    assert payment.payment_id in await repository.pending_ids()
    assert await repository.get("no-such-payment") is None


async def test_pending_ids_leave_out_payments_younger_than_the_minimum_age(
    repository: DynamoDbPaymentRepository, order_created: OrderCreatedFactory
) -> None:
    old_envelope, young = order_created("tok_success"), _pending(order_created)
    old = Payment.accept(
        old_envelope.data,
        event_id=old_envelope.metadata.event_id,
        correlation_id=old_envelope.metadata.correlation_id,
        now=datetime.now(UTC) - timedelta(minutes=5),
    )
    await repository.add(young)
    await repository.add(old)

    older_than_a_minute = await repository.pending_ids(older_than_seconds=60)
    everything = await repository.pending_ids()

    assert old.payment_id in older_than_a_minute and young.payment_id not in older_than_a_minute
    assert {old.payment_id, young.payment_id} <= set(everything)
    assert everything.index(old.payment_id) < everything.index(young.payment_id), "oldest first"


async def test_the_outcome_and_its_event_commit_together_once(
    repository: DynamoDbPaymentRepository,
    dynamodb: Any,
    deployed_topology: DeployedTopology,
    order_created: OrderCreatedFactory,
) -> None:
    payment = _pending(order_created)
    await repository.add(payment)
    succeeded, fact = payment.settle(ChargeSucceeded(charge_id="ch_123"))
    envelope = _outcome_envelope(payment, fact)

    assert await repository.record_outcome(succeeded, envelope) is True

    stored = await repository.get(payment.payment_id)
    assert stored is not None and stored.status is PaymentStatus.SUCCEEDED
    assert stored.provider_reference == "ch_123" and stored.amount == payment.amount
    assert payment.payment_id not in await repository.pending_ids()
    entry = await dynamodb.get_item(
        TableName=deployed_topology.name("payment-outbox"),
        Key=to_item({"entry_id": str(envelope.metadata.event_id)}),
        ConsistentRead=True,
    )
    assert json.loads(entry["Item"]["detail"]["S"]) == envelope.to_detail()

    # A second settlement (a resumed run that lost the race) changes nothing.
    failed, failed_fact = payment.settle(ChargeDeclined(reason="provider_unavailable"))
    assert await repository.record_outcome(failed, _outcome_envelope(payment, failed_fact)) is False
    again = await repository.get(payment.payment_id)
    assert again is not None and again.status is PaymentStatus.SUCCEEDED and again.reason_code is None


async def test_a_failed_outcome_records_the_reason(
    repository: DynamoDbPaymentRepository, order_created: OrderCreatedFactory
) -> None:
    payment = _pending(order_created)
    await repository.add(payment)
    failed, fact = payment.settle(ChargeDeclined(reason="card_expired"))

    assert await repository.record_outcome(failed, _outcome_envelope(payment, fact)) is True

    stored = await repository.get(payment.payment_id)
    assert stored is not None
    assert (stored.status, stored.reason_code, stored.provider_reference) == (
        PaymentStatus.FAILED,
        "card_expired",
        None,
    )
