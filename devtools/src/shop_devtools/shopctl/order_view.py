"""How `shopctl order` shows one order's story in a terminal (rich): a header of facts, then one timeline."""

from __future__ import annotations

from datetime import datetime

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .order_facts import OrderStory, PaymentFacts

__all__ = ["show_order_story"]

_STATUS_COLOUR = {"PAID": "green", "SUCCEEDED": "green", "PAYMENT_FAILED": "red", "FAILED": "red"}


def _time(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] if moment else "?"


def _status(status: str) -> str:
    colour = _STATUS_COLOUR.get(status, "yellow")
    return f"[bold {colour}]{escape(status)}[/bold {colour}]"


def _payment_line(payment: PaymentFacts) -> str:
    parts = [f"payment {payment.payment_id}: {_status(payment.status)}"]
    if payment.reason_code:
        parts.append(f"reason {payment.reason_code}")
    if payment.provider_reference:
        parts.append(f"provider reference {payment.provider_reference}")
    if payment.refund_reference:
        parts.append(f"refund {payment.refund_reference}")
    if payment.unknown_since:
        parts.append(f"outcome UNKNOWN since {_time(payment.unknown_since)} (reconciliation)")
    if payment.attempts:
        parts.append(f"{payment.attempts} step(s) did not settle it")
    if payment.status in {"PENDING", "UNKNOWN"} and payment.due_at:
        parts.append(f"next step due {_time(payment.due_at)}")
    return ", ".join(parts)


def show_order_story(console: Console, story: OrderStory) -> None:
    order = story.order
    console.print(f"[bold]Order {escape(order.order_id)}[/bold]  {_status(order.status)}")
    placed = _time(order.created_at)
    console.print(f"  customer {escape(order.customer_id)}, total {order.total} {order.currency}, placed {placed}")
    if story.payment is not None:
        console.print(f"  {_payment_line(story.payment)}")
        console.print(f"  [dim]({escape(story.payment_lookup)})[/dim]")
    else:
        console.print(f"  payment: {escape(story.payment_lookup)}")
    if story.loyalty:
        entries = ", ".join(
            f"{'+' if entry.kind == 'credit' else '-'}{entry.points} points ({entry.kind})" for entry in story.loyalty
        )
        console.print(f"  loyalty: {entries}")
    else:
        console.print("  loyalty: no ledger entry (not handled yet, or loyalty is stopped)")
    if story.notifications:
        sent = ", ".join(f"{note.template} {note.status} ({note.channel})" for note in story.notifications)
        console.print(f"  notifications: {sent}")
    else:
        console.print("  notifications: none for this order yet")
    if story.trace_id:
        console.print(f"  trace {story.trace_id}: [bold]{story.trace_hint}[/bold] (locally)")
    else:
        console.print("  trace: none recorded (no payment found, or tracing was off)")
    table = Table("time (UTC)", "source", "what", "detail", title="Timeline")
    for entry in story.timeline:
        table.add_row(_time(entry.at), entry.source, escape(entry.what), escape(entry.detail))
    console.print(table)
