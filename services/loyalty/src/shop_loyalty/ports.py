"""What the handlers need from the outside world; the DynamoDB adapters and the test fakes both fit."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from shop_shared.contracts import EventEnvelope
from shop_shared.outbox.unit_of_work import StateChange

from shop_loyalty.domain import LoyaltyAccount

__all__ = [
    "AccountRepository",
    "Change",
    "EntryKind",
    "Ledger",
    "LedgerEntry",
    "LoyaltyPartner",
    "PartnerNotes",
    "UnitOfWork",
]

# A named write built by an adapter, in its family's own form (a TransactWriteItems element, an in-memory
# write): handlers only pass it from an adapter to the unit of work of the same family.
type Change = StateChange[Any]

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

    def save_change(self, account: LoyaltyAccount) -> Change:
        """Store `account` as version+1, only if nobody saved it since it was read."""
        ...

    def scan_segment(
        self, segment: int, total_segments: int, *, page_size: int = 100
    ) -> AsyncIterator[LoyaltyAccount]: ...

    async def count(self) -> int: ...


class Ledger(Protocol):
    def credit_entry(
        self, *, order_id: str, customer_id: str, points: int, month: str, credited_at: datetime, event_id: str
    ) -> Change:
        """The order's credit entry, written only if the order has none yet."""
        ...

    def not_reversed_check(self, order_id: str) -> Change:
        """A check that fails when the order has a reversal (its payment failed first)."""
        ...

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
    ) -> Change:
        """The order's reversal entry (a tombstone when not `credited`), written only if it has none yet."""
        ...

    def not_credited_check(self, order_id: str) -> Change:
        """A check that fails when the order has a credit entry (guards the tombstone against a racing credit)."""
        ...


class UnitOfWork(Protocol):
    async def commit(self, changes: Sequence[Change], events: Sequence[EventEnvelope[Any]] = ()) -> None:
        """All changes and the events' outbox entries or nothing, then the events are published.

        Raises TransactionCancelled naming the changes whose condition failed (TransactionConflict when
        only a concurrent transaction was in the way).
        """
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
