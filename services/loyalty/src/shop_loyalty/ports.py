"""What the handlers need from the outside world; the DynamoDB adapters and the test fakes both fit."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from shop_loyalty.domain import LoyaltyAccount

__all__ = [
    "AccountRepository",
    "EntryKind",
    "Ledger",
    "LedgerEntry",
    "LoyaltyPartner",
    "PartnerNotes",
    "TransactionItem",
    "TransactionWriter",
]

# One element of a transaction, in the adapter's own form (a TransactWriteItems dict, an in-memory write):
# handlers only pass them from an adapter to the TransactionWriter of the same family.
type TransactionItem = Any

# An order has at most one ledger entry of each kind: its credit, and its reversal when its payment failed.
EntryKind = Literal["credit", "reversal"]


@dataclass(frozen=True)
class LedgerEntry:
    """One ledger entry as read back. A reversal with `points` 0 and `credited` False is a tombstone: the
    payment failed before the order was credited, so the credit must never happen."""

    kind: EntryKind
    order_id: str
    customer_id: str
    points: int
    month: str
    credited: bool
    partner_notified_at: datetime | None


class AccountRepository(Protocol):
    async def get(self, customer_id: str) -> LoyaltyAccount | None: ...

    def save_item(self, account: LoyaltyAccount) -> TransactionItem: ...

    def scan_segment(
        self, segment: int, total_segments: int, *, page_size: int = 100
    ) -> AsyncIterator[LoyaltyAccount]: ...

    async def count(self) -> int: ...


class Ledger(Protocol):
    def record_item(
        self, *, order_id: str, customer_id: str, points: int, month: str, credited_at: datetime, event_id: str
    ) -> TransactionItem:
        """The order's credit entry, written only if the order has none yet."""
        ...

    def not_reversed_item(self, order_id: str) -> TransactionItem:
        """A check that fails when the order has a reversal (its payment failed first)."""
        ...

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
    ) -> TransactionItem:
        """The order's reversal entry (a tombstone when not `credited`), written only if it has none yet."""
        ...

    def not_credited_item(self, order_id: str) -> TransactionItem:
        """A check that fails when the order has a credit entry (guards the tombstone against a racing credit)."""
        ...


class TransactionWriter(Protocol):
    async def write(self, items: Sequence[TransactionItem]) -> None:
        """All or nothing; raises TransactionCancelled (one reason per item) when a condition lost."""
        ...


class PartnerNotes(Protocol):
    """The ledger entries read back, and what they say about the partner being told."""

    async def entry(self, order_id: str, kind: EntryKind) -> LedgerEntry | None: ...

    async def mark_partner_notified(self, order_id: str, at: datetime, kind: EntryKind = "credit") -> None: ...


class LoyaltyPartner(Protocol):
    async def report_credit(self, *, customer_id: str, order_id: str, points: int) -> None:
        """Tell the partner about one credit (idempotent by order_id); raises PartnerUnavailable if it cannot."""
        ...

    async def report_reversal(self, *, customer_id: str, order_id: str, points: int) -> None:
        """Tell the partner that an order's credit is taken back (idempotent by order_id), after the credit."""
        ...
