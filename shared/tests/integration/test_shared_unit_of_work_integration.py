"""The DynamoDB unit of work on the emulator's real TransactWriteItems: all or nothing, events included."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
from shop_devtools.testing.events import payment_failed_event
from shop_devtools.testing.fixtures import AwsClients
from shop_shared.aws import to_item
from shop_shared.contracts import EventEnvelope
from shop_shared.outbox import DynamoDbOutbox, DynamoDbUnitOfWork
from shop_shared.outbox.unit_of_work import StateChange, TransactionCancelled

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def tables(aws: AwsClients) -> AsyncIterator[tuple[str, str]]:
    """A state table and an outbox table of this module only, deleted after it."""
    suffix = uuid.uuid4().hex[:8]
    state, outbox = f"uow-state-{suffix}", f"uow-outbox-{suffix}"
    for name, key in ((state, "id"), (outbox, "entry_id")):
        await aws.dynamodb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    yield state, outbox
    for name in (state, outbox):
        await aws.dynamodb.delete_table(TableName=name)


def put_if_absent(table: str, item_id: str) -> StateChange[dict[str, Any]]:
    put = {"TableName": table, "Item": to_item({"id": item_id}), "ConditionExpression": "attribute_not_exists(id)"}
    return StateChange(f"item:{item_id}", {"Put": put})


async def stored(aws: AwsClients, table: str, key: dict[str, str]) -> bool:
    response = await aws.dynamodb.get_item(TableName=table, Key=to_item(key), ConsistentRead=True)
    return "Item" in response


class OutboxCheckingRelay:
    """Records, for each publication, whether the events were already in the outbox table (committed)."""

    def __init__(self, aws: AwsClients, outbox_table: str) -> None:
        self.aws, self.outbox_table = aws, outbox_table
        self.published: list[tuple[str, bool]] = []

    async def publish_committed(self, envelopes: Sequence[EventEnvelope[Any]]) -> None:
        for envelope in envelopes:
            event_id = str(envelope.metadata.event_id)
            self.published.append((event_id, await stored(self.aws, self.outbox_table, {"entry_id": event_id})))


async def test_a_failed_condition_on_one_named_change_writes_nothing_and_publishes_nothing(
    aws: AwsClients, tables: tuple[str, str]
) -> None:
    state, outbox_table = tables
    relay = OutboxCheckingRelay(aws, outbox_table)
    unit_of_work = DynamoDbUnitOfWork(aws.dynamodb, DynamoDbOutbox(aws.dynamodb, outbox_table), relay)
    taken = f"taken-{uuid.uuid4()}"
    await unit_of_work.commit([put_if_absent(state, taken)])

    fresh, duplicate, event = (
        put_if_absent(state, f"fresh-{uuid.uuid4()}"),
        put_if_absent(state, taken),
        payment_failed_event(),
    )
    with pytest.raises(TransactionCancelled) as cancelled:
        await unit_of_work.commit([fresh, duplicate], [event])
    assert cancelled.value.failed_conditions == [duplicate.name]
    assert not cancelled.value.condition_failed(fresh)
    assert not await stored(aws, state, {"id": fresh.name.removeprefix("item:")})
    assert not await stored(aws, outbox_table, {"entry_id": str(event.metadata.event_id)})
    assert relay.published == []


async def test_a_commit_stores_the_state_with_its_events_and_publishes_them_after(
    aws: AwsClients, tables: tuple[str, str]
) -> None:
    state, outbox_table = tables
    relay = OutboxCheckingRelay(aws, outbox_table)
    unit_of_work = DynamoDbUnitOfWork(aws.dynamodb, DynamoDbOutbox(aws.dynamodb, outbox_table), relay)
    item_id, events = f"new-{uuid.uuid4()}", [payment_failed_event(), payment_failed_event()]
    await unit_of_work.commit([put_if_absent(state, item_id)], events)
    assert await stored(aws, state, {"id": item_id})
    # Each event was in the outbox table when the relay got it: published only after the commit.
    assert relay.published == [(str(envelope.metadata.event_id), True) for envelope in events]
