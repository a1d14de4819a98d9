"""The facts of one order's story (shopctl order), read from the plain records of the services' tables.

Each reader keeps only what an operator may see: never a payment token, a contact (even masked) or a message text.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "LedgerFacts",
    "NotificationFacts",
    "OrderFacts",
    "OrderStory",
    "PaymentFacts",
    "StatusChange",
    "TimelineEntry",
    "ledger_facts",
    "notification_facts",
    "order_facts",
    "payment_facts",
]


@dataclass(frozen=True)
class StatusChange:
    status: str
    at: datetime | None


@dataclass(frozen=True)
class OrderFacts:
    order_id: str
    customer_id: str
    total: str
    currency: str
    status: str
    created_at: datetime | None
    updated_at: datetime | None
    status_history: list[StatusChange]
    created_event_id: str | None  # the order.created event's id (None: stored before the order kept it)


@dataclass(frozen=True)
class PaymentFacts:
    payment_id: str
    status: str
    amount: str
    currency: str
    reason_code: str | None
    provider_reference: str | None
    refund_reference: str | None
    attempts: int  # steps that did not settle it (deferred or ambiguous)
    created_at: datetime | None
    updated_at: datetime | None
    unknown_since: datetime | None  # the first lost answer: reconciled with the provider since
    due_at: datetime | None  # the next step (or a lease's expiry); None: nothing left to do
    trace_id: str | None


@dataclass(frozen=True)
class LedgerFacts:
    kind: str  # credit or reversal
    points: int
    month: str | None
    at: datetime | None
    credited: bool | None  # reversals only: False when the payment failed before any credit


@dataclass(frozen=True)
class NotificationFacts:
    template: str
    channel: str
    status: str
    event_type: str
    created_at: datetime | None
    sent_at: datetime | None
    failed_at: datetime | None
    attempts: int


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime | None
    source: str
    what: str
    detail: str


@dataclass(frozen=True)
class OrderStory:
    order: OrderFacts
    payment: PaymentFacts | None
    payment_lookup: str
    loyalty: list[LedgerFacts]
    notifications: list[NotificationFacts]
    trace_id: str | None
    trace_hint: str | None
    timeline: list[TimelineEntry]  # every dated fact above, oldest first

    def as_json(self) -> dict[str, Any]:
        return {key: _jsonable(value) for key, value in asdict(self).items()}


def order_facts(raw: dict[str, Any]) -> OrderFacts:
    history = [
        StatusChange(str(change.get("status")), _moment(change.get("at"))) for change in raw.get("status_history", [])
    ]
    return OrderFacts(
        order_id=str(raw["order_id"]),
        customer_id=str(raw["customer_id"]),
        total=str(raw.get("total", "")),
        currency=str(raw.get("currency", "")),
        status=str(raw.get("status", "")),
        created_at=_moment(raw.get("created_at")),
        updated_at=_moment(raw.get("updated_at")),
        status_history=history,
        created_event_id=_text(raw.get("created_event_id")),
    )


def payment_facts(raw: dict[str, Any]) -> PaymentFacts:
    traceparent = raw.get("traceparent")
    return PaymentFacts(
        payment_id=str(raw["payment_id"]),
        status=str(raw.get("status", "")),
        amount=str(raw.get("amount", "")),
        currency=str(raw.get("currency", "")),
        reason_code=_text(raw.get("reason_code")),
        provider_reference=_text(raw.get("provider_reference")),
        refund_reference=_text(raw.get("refund_reference")),
        attempts=int(raw.get("attempts", 0)),
        created_at=_moment(raw.get("created_at")),
        updated_at=_moment(raw.get("updated_at")),
        unknown_since=_moment(raw.get("unknown_since")),
        due_at=_moment(raw.get("due_at")),
        trace_id=traceparent.split("-")[1] if isinstance(traceparent, str) and traceparent.count("-") == 3 else None,
    )


def ledger_facts(raw: dict[str, Any]) -> LedgerFacts:
    kind = str(raw.get("kind", "credit"))
    credited = raw.get("credited")
    return LedgerFacts(
        kind=kind,
        points=int(raw.get("points", 0)),
        month=_text(raw.get("month")),
        at=_moment(raw.get("credited_at") if kind == "credit" else raw.get("reversed_at")),
        credited=bool(credited) if credited is not None else None,
    )


def notification_facts(raw: dict[str, Any]) -> NotificationFacts:
    return NotificationFacts(
        template=str(raw.get("template", "")),
        channel=str(raw.get("channel", "")),
        status=str(raw.get("status", "")),
        event_type=str(raw.get("event_type", "")),
        created_at=_moment(raw.get("created_at")),
        sent_at=_moment(raw.get("sent_at")),
        failed_at=_moment(raw.get("failed_at") or raw.get("suppressed_at")),
        attempts=int(raw.get("attempts", 1)),
    )


def _text(value: object) -> str | None:
    return str(value) if value is not None else None


def _moment(value: object) -> datetime | None:
    """A stored time (ISO 8601, with "Z" or an offset) as an aware UTC datetime; None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value
