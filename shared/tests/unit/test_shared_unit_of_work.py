"""The DynamoDB unit of work against a fake client at the boto boundary: limits, cancellations, publication."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from botocore.exceptions import ClientError
from shop_devtools.testing.events import payment_failed_event
from shop_shared.contracts import EventEnvelope
from shop_shared.outbox import DynamoDbOutbox
from shop_shared.outbox.unit_of_work import (
    MAX_TRANSACTION_ITEMS,
    DynamoDbUnitOfWork,
    StateChange,
    TooManyChanges,
    TransactionCancelled,
    TransactionConflict,
    outbox_change_name,
)


class FakeDynamoDb:
    """Records TransactWriteItems calls; `cancel_with` makes the next call fail as DynamoDB cancels one."""

    def __init__(self) -> None:
        self.transactions: list[list[dict[str, Any]]] = []
        self.cancel_with: list[str] | None = None
        self.error_code: str | None = None

    async def transact_write_items(self, *, TransactItems: list[dict[str, Any]]) -> dict[str, Any]:
        if self.cancel_with is not None:
            reasons = [{"Code": code} for code in self.cancel_with]
            raise ClientError(
                {"Error": {"Code": "TransactionCanceledException"}, "CancellationReasons": reasons},
                "TransactWriteItems",
            )
        if self.error_code is not None:
            raise ClientError({"Error": {"Code": self.error_code}}, "TransactWriteItems")
        self.transactions.append(TransactItems)
        return {}


class RecordingRelay:
    def __init__(self, dynamodb: FakeDynamoDb) -> None:
        self.dynamodb = dynamodb
        self.calls: list[list[EventEnvelope[Any]]] = []
        self.committed_before_publish: list[int] = []

    async def publish_committed(self, envelopes: Sequence[EventEnvelope[Any]]) -> None:
        self.committed_before_publish.append(len(self.dynamodb.transactions))
        self.calls.append(list(envelopes))


def change(name: str) -> StateChange[dict[str, Any]]:
    return StateChange(name, {"Put": {"TableName": "state", "Item": {"id": {"S": name}}}})


@pytest.fixture
def dynamodb() -> FakeDynamoDb:
    return FakeDynamoDb()


@pytest.fixture
def relay(dynamodb: FakeDynamoDb) -> RecordingRelay:
    return RecordingRelay(dynamodb)


@pytest.fixture
def unit_of_work(dynamodb: FakeDynamoDb, relay: RecordingRelay) -> DynamoDbUnitOfWork:
    return DynamoDbUnitOfWork(dynamodb, DynamoDbOutbox(dynamodb, "outbox"), relay)


async def test_events_are_written_in_the_same_transaction_as_the_state_then_published(
    unit_of_work: DynamoDbUnitOfWork, dynamodb: FakeDynamoDb, relay: RecordingRelay
) -> None:
    envelope = payment_failed_event()
    await unit_of_work.commit([change("account:c-1")], [envelope])
    [items] = dynamodb.transactions
    assert items[0] == change("account:c-1").write
    assert items[1]["Put"]["TableName"] == "outbox"
    assert items[1]["Put"]["Item"]["entry_id"] == {"S": str(envelope.metadata.event_id)}
    assert relay.calls == [[envelope]]
    assert relay.committed_before_publish == [1]  # published only once the transaction was written


async def test_a_failed_condition_is_reported_by_the_change_name_and_nothing_is_published(
    unit_of_work: DynamoDbUnitOfWork, dynamodb: FakeDynamoDb, relay: RecordingRelay
) -> None:
    entry, account = change("ledger:o-1"), change("account:c-1")
    envelope = payment_failed_event()
    dynamodb.cancel_with = ["None", "ConditionalCheckFailed", "None"]
    with pytest.raises(TransactionCancelled) as cancelled:
        await unit_of_work.commit([entry, account], [envelope])
    assert type(cancelled.value) is TransactionCancelled
    assert cancelled.value.condition_failed(account) and not cancelled.value.condition_failed(entry)
    assert cancelled.value.failed_conditions == ["account:c-1"]
    assert cancelled.value.reasons == {
        "ledger:o-1": "None",
        "account:c-1": "ConditionalCheckFailed",
        outbox_change_name(envelope): "None",
    }
    assert cancelled.value.lost_a_race
    assert relay.calls == []


async def test_a_concurrent_transaction_is_a_conflict_not_a_failed_condition(
    unit_of_work: DynamoDbUnitOfWork, dynamodb: FakeDynamoDb, relay: RecordingRelay
) -> None:
    dynamodb.cancel_with = ["TransactionConflict", "None"]
    with pytest.raises(TransactionConflict) as conflict:
        await unit_of_work.commit([change("a"), change("b")])
    assert conflict.value.failed_conditions == [] and conflict.value.lost_a_race
    assert relay.calls == []


async def test_other_cancellations_and_errors_are_not_races(
    unit_of_work: DynamoDbUnitOfWork, dynamodb: FakeDynamoDb
) -> None:
    dynamodb.cancel_with = ["ThrottlingError", "None"]
    with pytest.raises(TransactionCancelled) as throttled:
        await unit_of_work.commit([change("a"), change("b")])
    assert not isinstance(throttled.value, TransactionConflict) and not throttled.value.lost_a_race

    dynamodb.cancel_with, dynamodb.error_code = None, "ValidationException"
    with pytest.raises(ClientError):
        await unit_of_work.commit([change("a")])


async def test_more_than_dynamodbs_limit_is_refused_before_writing(
    unit_of_work: DynamoDbUnitOfWork, dynamodb: FakeDynamoDb, relay: RecordingRelay
) -> None:
    changes = [change(f"item-{n}") for n in range(MAX_TRANSACTION_ITEMS)]
    with pytest.raises(TooManyChanges, match="101 writes"):
        await unit_of_work.commit(changes, [payment_failed_event()])  # the outbox entry counts too
    assert dynamodb.transactions == [] and relay.calls == []
    await unit_of_work.commit(changes)
    assert len(dynamodb.transactions[0]) == MAX_TRANSACTION_ITEMS


async def test_empty_duplicate_or_unstorable_commits_are_refused(dynamodb: FakeDynamoDb) -> None:
    without_outbox = DynamoDbUnitOfWork(dynamodb)
    with pytest.raises(ValueError, match="at least one"):
        await without_outbox.commit([])
    with pytest.raises(ValueError, match="named twice"):
        await without_outbox.commit([change("a"), change("a")])
    with pytest.raises(ValueError, match="no outbox"):
        await without_outbox.commit([change("a")], [payment_failed_event()])
    assert dynamodb.transactions == []


async def test_commits_publishing_together_publish_once_at_the_end_and_not_after_a_failure(
    unit_of_work: DynamoDbUnitOfWork, dynamodb: FakeDynamoDb, relay: RecordingRelay
) -> None:
    first, second = payment_failed_event(), payment_failed_event()
    async with unit_of_work.publishing_together() as round_of_commits:
        await round_of_commits.commit([change("a")], [first])
        await round_of_commits.commit([change("b")], [second])
        assert relay.calls == []
    assert relay.calls == [[first, second]]

    with pytest.raises(RuntimeError):
        async with unit_of_work.publishing_together() as round_of_commits:
            await round_of_commits.commit([change("c")], [payment_failed_event()])
            raise RuntimeError("the round failed")
    assert len(relay.calls) == 1  # the failed round's event stays in the outbox for the sweep
