"""What the handlers need from the outside world; the DynamoDB adapters and the test fakes both fit."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any, Protocol

from shop_loyalty.domain import LoyaltyAccount

__all__ = ["AccountRepository", "Ledger", "LoyaltyPartner", "PartnerNotes", "TransactionWriter"]


class AccountRepository(Protocol):
    async def get(self, customer_id: str) -> LoyaltyAccount | None: ...

    def save_item(self, account: LoyaltyAccount) -> Any: ...

    def scan_segment(
        self, segment: int, total_segments: int, *, page_size: int = 100
    ) -> AsyncIterator[LoyaltyAccount]: ...

    async def count(self) -> int: ...


class Ledger(Protocol):
    def record_item(
        self, *, order_id: str, customer_id: str, points: int, month: str, credited_at: datetime, event_id: str
    ) -> Any: ...


class TransactionWriter(Protocol):
    async def write(self, items: Sequence[Any]) -> None:
        """All or nothing; raises TransactionCancelled (one reason per item) when a condition lost."""
        ...


class PartnerNotes(Protocol):
    """What the ledger entry of an order says about the partner being told."""

    async def credited(self, order_id: str) -> tuple[str, int, datetime | None] | None:
        """(customer_id, points, partner_notified_at) of the order's ledger entry; None if not credited."""
        ...

    async def mark_partner_notified(self, order_id: str, at: datetime) -> None: ...


class LoyaltyPartner(Protocol):
    async def report_credit(self, *, customer_id: str, order_id: str, points: int) -> None:
        """Tell the partner about one credit (idempotent by order_id); raises PartnerUnavailable if it cannot."""
        ...
