"""A unit of work on DynamoDB: named state changes and their events committed in one transaction, then published.

A handler says "save these changes and these events"; it never sees a TransactWriteItems element. Each change
carries a name given by the adapter that built it, so a cancelled transaction reports which change's condition
failed (a duplicate, a stale version) instead of a position in a list.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

from botocore.exceptions import ClientError

from shop_shared.aws.dynamodb import transaction_conflicts
from shop_shared.contracts import EventEnvelope

from .dynamodb import DynamoDbOutbox

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient
    from types_aiobotocore_dynamodb.type_defs import TransactWriteItemTypeDef

__all__ = [
    "MAX_TRANSACTION_ITEMS",
    "CollectedEvents",
    "DynamoDbUnitOfWork",
    "EventRelay",
    "StateChange",
    "TooManyChanges",
    "TransactionCancelled",
    "TransactionConflict",
    "cancellation_error",
    "check_transaction",
    "outbox_change_name",
]

logger = logging.getLogger(__name__)

# DynamoDB's own limit on the items of one TransactWriteItems call (outbox entries included).
MAX_TRANSACTION_ITEMS = 100
CONDITION_FAILED = "ConditionalCheckFailed"
CONFLICT = "TransactionConflict"


@dataclass(frozen=True)
class StateChange[W]:
    """One write (or condition check) of a unit of work, named by the adapter that built it.

    `write` is in the adapter family's own form: a TransactWriteItems element for DynamoDB, a guarded
    callable for the in-memory fakes. Names are unique within a transaction, e.g. `account:<customer_id>`.
    """

    name: str
    write: W


class EventRelay(Protocol):
    """The publish-after-commit half of the outbox relay (`OutboxRelay` fits)."""

    async def publish_committed(self, envelopes: Sequence[EventEnvelope[Any]]) -> None: ...


class TooManyChanges(ValueError):
    """More writes than one DynamoDB transaction takes: nothing was written."""


class TransactionCancelled(Exception):
    """The transaction wrote nothing; `reasons` maps each change's name to its cancellation code, in request order.

    A code is "None" for a change that did not cause the cancellation.
    """

    def __init__(self, reasons: Mapping[str, str]) -> None:
        self.reasons = dict(reasons)
        failed = [f"{name}={code}" for name, code in self.reasons.items() if code != "None"]
        super().__init__(f"transaction cancelled: {', '.join(failed) or 'no reason given'}")

    def condition_failed(self, change: StateChange[Any] | str) -> bool:
        """True when that change's condition did not hold (the change itself, or its name)."""
        name = change.name if isinstance(change, StateChange) else change
        return self.reasons.get(name) == CONDITION_FAILED

    @property
    def failed_conditions(self) -> list[str]:
        return [name for name, code in self.reasons.items() if code == CONDITION_FAILED]

    @property
    def lost_a_race(self) -> bool:
        """A condition failed or a concurrent transaction held an item: worth re-reading and retrying."""
        return any(code in {CONDITION_FAILED, CONFLICT} for code in self.reasons.values())


class TransactionConflict(TransactionCancelled):
    """No condition failed: another transaction was writing one of the same items. Retrying may succeed."""


def cancellation_error(names: Sequence[str], codes: Sequence[str]) -> TransactionCancelled:
    """The exception for a cancelled transaction: a conflict only when no condition failed."""
    # DynamoDB gives one code per item in request order; pad or cut defensively so every name gets one.
    padded = [*codes, *["None"] * len(names)][: len(names)]
    reasons = dict(zip(names, padded, strict=True))
    if CONDITION_FAILED not in reasons.values() and CONFLICT in reasons.values():
        return TransactionConflict(reasons)
    return TransactionCancelled(reasons)


def outbox_change_name(envelope: EventEnvelope[Any]) -> str:
    return f"outbox:{envelope.metadata.event_id}"


def check_transaction(names: Sequence[str]) -> None:
    """Refuse before writing what DynamoDB would refuse anyway, with a clearer message."""
    if not names:
        raise ValueError("a unit of work needs at least one change or event to commit")
    if len(names) > MAX_TRANSACTION_ITEMS:
        raise TooManyChanges(f"{len(names)} writes in one transaction; DynamoDB takes at most {MAX_TRANSACTION_ITEMS}")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:  # DynamoDB also refuses two writes of one item in a transaction
        raise ValueError(f"changes named twice in one transaction: {', '.join(duplicates)}")


class CollectedEvents:
    """An EventRelay that only holds committed events, so a round of commits can publish them in one call."""

    def __init__(self) -> None:
        self.envelopes: list[EventEnvelope[Any]] = []

    async def publish_committed(self, envelopes: Sequence[EventEnvelope[Any]]) -> None:
        self.envelopes.extend(envelopes)


class DynamoDbUnitOfWork:
    """Commits named state changes with their events' outbox entries in one TransactWriteItems.

    After a commit, the events go to `relay.publish_committed` (it never raises: what it cannot publish stays
    in the outbox for the sweep). Without an outbox, committing events is refused: they would be lost.
    """

    def __init__(
        self, dynamodb_client: DynamoDBClient, outbox: DynamoDbOutbox | None = None, relay: EventRelay | None = None
    ) -> None:
        self._client = dynamodb_client
        self._outbox = outbox
        self._relay = relay

    async def commit(
        self,
        changes: Sequence[StateChange[dict[str, Any]]],
        events: Sequence[EventEnvelope[Any]] = (),
        *,
        ordering_key: str | None = None,
    ) -> None:
        """All or nothing; raises TransactionCancelled (TransactionConflict for a lost race) naming the changes.
        Events sharing an `ordering_key` (e.g. a payment id) reach the bus in the order they were committed."""
        if events and self._outbox is None:
            raise ValueError("this unit of work has no outbox to store events in")
        outbox_entries = [
            StateChange(outbox_change_name(envelope), self._outbox.put_entry(envelope, ordering_key=ordering_key))
            for envelope in events
            if self._outbox is not None
        ]
        everything = [*changes, *outbox_entries]
        names = [change.name for change in everything]
        check_transaction(names)
        try:
            # Adapters build their writes as plain dicts in TransactWriteItems form.
            items = cast("list[TransactWriteItemTypeDef]", [change.write for change in everything])
            await self._client.transact_write_items(TransactItems=items)
        except ClientError as error:
            codes = transaction_conflicts(error)
            if error.response.get("Error", {}).get("Code") == "TransactionCanceledException" and codes:
                raise cancellation_error(names, codes) from error
            raise
        if events and self._relay is not None:
            await self._relay.publish_committed(events)

    @asynccontextmanager
    async def publishing_together(self) -> AsyncIterator[DynamoDbUnitOfWork]:
        """A unit of work whose commits' events are published in one call when the block ends without error.

        Why: a run of many small commits publishes in a few PutEvents calls instead of one per commit. If the
        block fails, its committed events are left to the outbox sweep.
        """
        collected = CollectedEvents()
        yield DynamoDbUnitOfWork(self._client, self._outbox, collected)
        if collected.envelopes and self._relay is not None:
            await self._relay.publish_committed(collected.envelopes)
