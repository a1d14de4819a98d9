"""`shopctl order ORDER_ID`: one order's story, assembled from the records of four services' tables, by key only.

The order keeps the id of the `order.created` event that announced it; payment's id derives from that id
(`payment_id_for`), and so do the ids of the payment's outcome and refund events: one GetItem finds the payment,
and one Query of the customer's notifications, filtered on those event ids, finds what the customer was sent.
Orders stored before the order kept that id fall back to loyalty's ledger, whose credit entry keeps it too. Without
either the payment is reported as not found, saying why: shopctl never scans the payments table.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Protocol

from shop_payment.domain import outcome_event_id, payment_id_for, refund_event_id

from .exceptions import OrderNotFound
from .names import ShopNames
from .order_facts import (
    LedgerFacts,
    NotificationFacts,
    OrderFacts,
    OrderStory,
    PaymentFacts,
    TimelineEntry,
    ledger_facts,
    notification_facts,
    order_facts,
    payment_facts,
)

__all__ = ["OrderSource", "OrderStory", "collect_story"]

_EARLIEST = datetime.min.replace(tzinfo=UTC)


class OrderSource(Protocol):
    """What the story reads (shopctl.aws.ShopAws; a fake in unit tests): plain records, already projected."""

    def order_record(self, table: str, order_id: str) -> dict[str, Any] | None: ...
    def ledger_entries(self, table: str, order_id: str) -> list[dict[str, Any]]: ...
    def payment_record(self, table: str, payment_id: str) -> dict[str, Any] | None: ...
    def order_notifications(self, table: str, customer_id: str, *, event_ids: list[str]) -> list[dict[str, Any]]: ...


def collect_story(source: OrderSource, names: ShopNames, order_id: str) -> OrderStory:
    raw_order = source.order_record(names.orders_table(), order_id)
    if raw_order is None:
        raise OrderNotFound(f"no order {order_id!r} in {names.orders_table()} (a wrong id, or a wrong --prefix?)")
    order = order_facts(raw_order)
    ledger_records = source.ledger_entries(names.ledger_table(), order_id)
    created_id, kept_by = order.created_event_id, "the order"
    if created_id is None:
        created_id, kept_by = _credited_event_id(ledger_records), "loyalty's ledger (the order predates keeping it)"
    payment_id = payment_id_for(uuid.UUID(created_id)) if created_id is not None else None
    payment, lookup = _find_payment(source, names, order_id, created_id, payment_id, kept_by)
    # The ids of the order's events that notifications answer: order.created, the payment's outcome and refund.
    event_ids = (
        [str(created_id), str(outcome_event_id(payment_id)), str(refund_event_id(payment_id))] if payment_id else []
    )
    notifications = [
        notification_facts(raw)
        for raw in source.order_notifications(names.notifications_table(), order.customer_id, event_ids=event_ids)
    ]
    notifications.sort(key=lambda note: note.created_at or _EARLIEST)  # the Query returns them by event id
    loyalty = [ledger_facts(raw) for raw in ledger_records]
    trace_id = payment.trace_id if payment else None
    return OrderStory(
        order=order,
        payment=payment,
        payment_lookup=lookup,
        loyalty=loyalty,
        notifications=notifications,
        trace_id=trace_id,
        trace_hint=f"make -s trace ORDER={order_id}" if trace_id else None,
        timeline=timeline(order, payment, loyalty, notifications),
    )


def _credited_event_id(ledger_records: list[dict[str, Any]]) -> str | None:
    """The order.created event id on the order's credit entry (loyalty keeps it for idempotency)."""
    for record in ledger_records:
        if record.get("kind") == "credit" and record.get("event_id"):
            return str(record["event_id"])
    return None


def _find_payment(
    source: OrderSource,
    names: ShopNames,
    order_id: str,
    created_id: str | None,
    payment_id: str | None,
    kept_by: str,
) -> tuple[PaymentFacts | None, str]:
    if payment_id is None:
        return None, (
            "not found: payment ids derive from the order.created event id, which neither the order (stored before "
            "it kept it) nor loyalty's ledger has; shopctl never scans the payments table"
        )
    raw = source.payment_record(names.payments_table(), payment_id)
    if raw is None:
        return None, f"no payment {payment_id} yet (its id derives from the order.created event id kept by {kept_by})"
    if raw.get("order_id") != order_id:
        return None, f"payment {payment_id} belongs to order {raw.get('order_id')}, not to this one: left out"
    return payment_facts(raw), f"found by the order.created event id {created_id}, kept by {kept_by}"


def timeline(
    order: OrderFacts,
    payment: PaymentFacts | None,
    loyalty: list[LedgerFacts],
    notifications: list[NotificationFacts],
) -> list[TimelineEntry]:
    """Every dated fact of the story, oldest first (facts of one instant keep the order they are listed in)."""
    entries: list[TimelineEntry] = []
    for index, change in enumerate(order.status_history):
        what = "placed" if index == 0 else "payment outcome recorded"
        entries.append(TimelineEntry(change.at, "order", what, f"status {change.status}"))
    if payment is not None:
        entries += _payment_entries(payment)
    for entry in loyalty:
        entries.append(TimelineEntry(entry.at, "loyalty", *_ledger_text(entry)))
    for note in notifications:
        at = note.sent_at or note.failed_at or note.created_at
        detail = f"{note.channel}, for {note.event_type}, attempt(s) {note.attempts}"
        entries.append(TimelineEntry(at, "notifications", f"{note.template} {note.status}", detail))
    return sorted(entries, key=lambda entry: (entry.at is None, entry.at or _EARLIEST))


def _payment_entries(payment: PaymentFacts) -> list[TimelineEntry]:
    entries = [
        TimelineEntry(
            payment.created_at,
            "payment",
            "accepted",
            f"{payment.amount} {payment.currency}, PENDING",
        )
    ]
    if payment.unknown_since is not None:
        entries.append(
            TimelineEntry(
                payment.unknown_since,
                "payment",
                "charge outcome UNKNOWN",
                "the provider's answer was lost: reconciled by a lookup of the payment id (the idempotency key)",
            )
        )
    reconciled = " (after reconciliation)" if payment.unknown_since is not None else ""
    if payment.status == "SUCCEEDED":
        detail = f"provider reference {payment.provider_reference}{reconciled}"
        entries.append(TimelineEntry(payment.updated_at, "payment", "SUCCEEDED", detail))
    elif payment.status == "FAILED":
        detail = f"reason {payment.reason_code}{reconciled}"
        entries.append(TimelineEntry(payment.updated_at, "payment", "FAILED", detail))
    elif payment.status == "REFUNDED":
        detail = f"a late charge {payment.provider_reference} given back as {payment.refund_reference}"
        entries.append(TimelineEntry(payment.updated_at, "payment", "REFUNDED", detail))
    elif payment.due_at is not None:
        detail = f"still {payment.status}, {payment.attempts} step(s) did not settle it"
        entries.append(TimelineEntry(payment.due_at, "payment", "next step due", detail))
    return entries


def _ledger_text(entry: LedgerFacts) -> tuple[str, str]:
    if entry.kind == "credit":
        return f"{entry.points} points credited", f"month {entry.month}"
    if entry.credited is False:
        return "reversal before any credit", "the payment failed first: the order will never be credited"
    return f"{entry.points} points taken back", f"payment failed: the {entry.month} credit reversed"
