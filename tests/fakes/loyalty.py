"""Loyalty's adapters in memory, with DynamoDB's transaction semantics, for unit tests of loyalty and batch-worker.

They name their writes as the DynamoDB adapters do (`account_change_name`, `ledger_change_name`), so a handler's
transaction fails the same way over either.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from shop_loyalty.adapters.accounts import account_change_name
from shop_loyalty.adapters.ledger import ledger_change_name, ledger_key
from shop_loyalty.adapters.partner_notes import entry_from_values
from shop_loyalty.domain import LoyaltyAccount
from shop_loyalty.ports import EntryKind, LedgerEntry
from shop_shared.contracts import EventEnvelope
from shop_shared.outbox.unit_of_work import (
    CollectedEvents,
    EventRelay,
    StateChange,
    cancellation_error,
    check_transaction,
    outbox_change_name,
)

__all__ = [
    "InMemoryAccounts",
    "InMemoryLedger",
    "InMemoryLoyalty",
    "InMemoryOutbox",
    "InMemoryPartnerNotes",
    "InMemoryTables",
    "InMemoryUnitOfWork",
    "PendingWrite",
]


@dataclass
class PendingWrite:
    """One element of an in-memory transaction: a condition and the write it guards."""

    condition: Callable[[], bool]
    apply: Callable[[], None]


@dataclass
class InMemoryTables:
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    ledger: dict[str, dict[str, Any]] = field(default_factory=dict)
    transactions: int = 0


class InMemoryAccounts:
    def __init__(self, tables: InMemoryTables) -> None:
        self._tables = tables

    async def get(self, customer_id: str) -> LoyaltyAccount | None:
        stored = self._tables.accounts.get(customer_id)
        return LoyaltyAccount.model_validate(stored) if stored else None

    def put(self, account: LoyaltyAccount) -> None:
        """Store an account as it is (test setup)."""
        self._tables.accounts[account.customer_id] = account.model_dump(mode="json")

    def save_change(self, account: LoyaltyAccount) -> StateChange[PendingWrite]:
        expected = account.version
        values = account.model_dump(mode="json") | {"version": expected + 1}

        def unchanged() -> bool:
            stored = self._tables.accounts.get(account.customer_id)
            return stored is None or stored["version"] == expected

        def store() -> None:
            self._tables.accounts[account.customer_id] = values

        return StateChange(account_change_name(account.customer_id), PendingWrite(unchanged, store))

    async def scan_segment(
        self, segment: int, total_segments: int, *, page_size: int = 100
    ) -> AsyncIterator[LoyaltyAccount]:
        # Like DynamoDB, a stable hash of the key decides the segment; everything is one page here.
        for customer_id in sorted(self._tables.accounts):
            if zlib.crc32(customer_id.encode()) % total_segments == segment:
                yield LoyaltyAccount.model_validate(self._tables.accounts[customer_id])

    async def count(self) -> int:
        return len(self._tables.accounts)


class InMemoryLedger:
    """Ledger items keyed as in DynamoDB: the credit under the order id, the reversal under its own key."""

    def __init__(self, tables: InMemoryTables) -> None:
        self._tables = tables

    def credit_entry(
        self, *, order_id: str, customer_id: str, points: int, month: str, credited_at: datetime, event_id: str
    ) -> StateChange[PendingWrite]:
        entry = {"order_id": order_id, "kind": "credit", "customer_id": customer_id, "points": points, "month": month}
        return self._put_if_absent(ledger_key(order_id, "credit"), entry)

    def not_reversed_check(self, order_id: str) -> StateChange[PendingWrite]:
        return self._absent(ledger_key(order_id, "reversal"))

    def reversal_entry(
        self,
        *,
        order_id: str,
        customer_id: str,
        points: int,
        month: str,
        credited: bool,
        reversed_at: datetime,
        event_id: str,
    ) -> StateChange[PendingWrite]:
        entry = {
            "order_id": ledger_key(order_id, "reversal"),
            "kind": "reversal",
            "reverses_order_id": order_id,
            "customer_id": customer_id,
            "points": points,
            "month": month,
            "credited": credited,
        }
        return self._put_if_absent(ledger_key(order_id, "reversal"), entry)

    def not_credited_check(self, order_id: str) -> StateChange[PendingWrite]:
        return self._absent(ledger_key(order_id, "credit"))

    def _put_if_absent(self, key: str, entry: dict[str, Any]) -> StateChange[PendingWrite]:
        def store() -> None:
            self._tables.ledger[key] = entry

        return StateChange(ledger_change_name(key), PendingWrite(lambda: key not in self._tables.ledger, store))

    def _absent(self, key: str) -> StateChange[PendingWrite]:
        return StateChange(ledger_change_name(key), PendingWrite(lambda: key not in self._tables.ledger, lambda: None))


class InMemoryPartnerNotes:
    def __init__(self, tables: InMemoryTables) -> None:
        self._tables = tables

    async def entry(self, order_id: str, kind: EntryKind) -> LedgerEntry | None:
        values = self._tables.ledger.get(ledger_key(order_id, kind))
        return entry_from_values(order_id, kind, values) if values is not None else None

    async def mark_partner_notified(self, order_id: str, at: datetime, kind: EntryKind = "credit") -> None:
        key = ledger_key(order_id, kind)
        if key not in self._tables.ledger:
            raise LookupError(f"no {kind} ledger entry for order {order_id}")
        self._tables.ledger[key].setdefault("partner_notified_at", at)


class OutboxOfPendingWrites(Protocol):
    def put_entry(self, envelope: EventEnvelope[Any]) -> PendingWrite: ...


class InMemoryOutbox:
    """The outbox table of the fakes: events stored by committed transactions, by event id."""

    def __init__(self) -> None:
        self.entries: dict[str, EventEnvelope[Any]] = {}

    def put_entry(self, envelope: EventEnvelope[Any]) -> PendingWrite:
        def store() -> None:
            self.entries[str(envelope.metadata.event_id)] = envelope

        return PendingWrite(lambda: True, store)


class InMemoryUnitOfWork:
    """DynamoDbUnitOfWork's semantics in memory: all conditions are checked before any write, failures are named
    the same way, events are stored in `outbox` with the changes and handed to `relay` after the commit.

    `before_write` lets a test slip in a concurrent change just before the next commit.
    """

    def __init__(
        self,
        tables: InMemoryTables,
        *,
        outbox: OutboxOfPendingWrites | None = None,
        relay: EventRelay | None = None,
        before_write: Callable[[], None] | None = None,
    ) -> None:
        self._tables = tables
        self._outbox = outbox
        self._relay = relay
        self.before_write = before_write
        self.cancelled = 0
        self._round: CollectedEvents | None = None

    async def commit(
        self, changes: Sequence[StateChange[PendingWrite]], events: Sequence[EventEnvelope[Any]] = ()
    ) -> None:
        if events and self._outbox is None:
            raise ValueError("this unit of work has no outbox to store events in")
        outbox_entries = [
            StateChange(outbox_change_name(envelope), self._outbox.put_entry(envelope))
            for envelope in events
            if self._outbox is not None
        ]
        everything = [*changes, *outbox_entries]
        names = [change.name for change in everything]
        check_transaction(names)
        if self.before_write is not None:
            interfere, self.before_write = self.before_write, None
            interfere()
        codes = ["None" if change.write.condition() else "ConditionalCheckFailed" for change in everything]
        if any(code != "None" for code in codes):
            self.cancelled += 1
            raise cancellation_error(names, codes)
        for change in everything:
            change.write.apply()
        self._tables.transactions += 1
        relay = self._round or self._relay
        if events and relay is not None:
            await relay.publish_committed(events)

    @asynccontextmanager
    async def publishing_together(self) -> AsyncIterator[InMemoryUnitOfWork]:
        """As DynamoDbUnitOfWork.publishing_together, but yields itself (one round at a time), so a test's
        subclass or `before_write` applies to the round's commits too."""
        collected = CollectedEvents()
        self._round = collected
        try:
            yield self
        finally:
            self._round = None
        if collected.envelopes and self._relay is not None:
            await self._relay.publish_committed(collected.envelopes)


class InMemoryLoyalty:
    """Loyalty's tables with every adapter over them, wired once for a test."""

    def __init__(self) -> None:
        self.tables = InMemoryTables()
        self.accounts = InMemoryAccounts(self.tables)
        self.ledger = InMemoryLedger(self.tables)
        self.unit_of_work = InMemoryUnitOfWork(self.tables)
        self.partner_notes = InMemoryPartnerNotes(self.tables)
