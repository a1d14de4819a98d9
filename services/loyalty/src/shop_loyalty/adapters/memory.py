"""In-memory adapters with DynamoDB's transaction semantics, for unit tests of loyalty and batch-worker."""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shop_loyalty.domain import LoyaltyAccount
from shop_loyalty.ports import EntryKind, LedgerEntry

from .ledger import ledger_key
from .partner_notes import entry_from_values
from .transactions import TransactionCancelled

__all__ = [
    "InMemoryAccounts",
    "InMemoryLedger",
    "InMemoryLoyalty",
    "InMemoryPartnerNotes",
    "InMemoryTables",
    "InMemoryTransactions",
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

    def save_item(self, account: LoyaltyAccount) -> PendingWrite:
        expected = account.version
        values = account.model_dump(mode="json") | {"version": expected + 1}

        def unchanged() -> bool:
            stored = self._tables.accounts.get(account.customer_id)
            return stored is None or stored["version"] == expected

        def store() -> None:
            self._tables.accounts[account.customer_id] = values

        return PendingWrite(unchanged, store)

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

    def record_item(
        self, *, order_id: str, customer_id: str, points: int, month: str, credited_at: datetime, event_id: str
    ) -> PendingWrite:
        entry = {"order_id": order_id, "kind": "credit", "customer_id": customer_id, "points": points, "month": month}
        return self._put_if_absent(ledger_key(order_id, "credit"), entry)

    def not_reversed_item(self, order_id: str) -> PendingWrite:
        return self._absent(ledger_key(order_id, "reversal"))

    def reversal_item(
        self,
        *,
        order_id: str,
        customer_id: str,
        points: int,
        month: str,
        credited: bool,
        reversed_at: datetime,
        event_id: str,
    ) -> PendingWrite:
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

    def not_credited_item(self, order_id: str) -> PendingWrite:
        return self._absent(ledger_key(order_id, "credit"))

    def _put_if_absent(self, key: str, entry: dict[str, Any]) -> PendingWrite:
        def store() -> None:
            self._tables.ledger[key] = entry

        return PendingWrite(lambda: key not in self._tables.ledger, store)

    def _absent(self, key: str) -> PendingWrite:
        return PendingWrite(lambda: key not in self._tables.ledger, lambda: None)


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


class InMemoryTransactions:
    """All conditions are checked before any write; `before_write` lets a test slip in a concurrent change."""

    def __init__(self, tables: InMemoryTables, before_write: Callable[[], None] | None = None) -> None:
        self._tables = tables
        self.before_write = before_write
        self.cancelled = 0

    async def write(self, items: Sequence[PendingWrite]) -> None:
        if self.before_write is not None:
            interfere, self.before_write = self.before_write, None
            interfere()
        reasons = ["None" if item.condition() else "ConditionalCheckFailed" for item in items]
        if any(reason != "None" for reason in reasons):
            self.cancelled += 1
            raise TransactionCancelled(reasons)
        for item in items:
            item.apply()
        self._tables.transactions += 1


class InMemoryLoyalty:
    """Loyalty's tables with every adapter over them, wired once for a test."""

    def __init__(self) -> None:
        self.tables = InMemoryTables()
        self.accounts = InMemoryAccounts(self.tables)
        self.ledger = InMemoryLedger(self.tables)
        self.transactions = InMemoryTransactions(self.tables)
        self.partner_notes = InMemoryPartnerNotes(self.tables)
