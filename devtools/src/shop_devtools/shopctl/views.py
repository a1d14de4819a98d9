"""How shopctl shows its findings in a terminal (rich): the status tables and the dead messages."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from .dlq import DeadMessage
from .status import Health, QueueFacts, StatusReport

__all__ = ["show_dead_messages", "show_status"]

_COLOUR = {Health.GREEN: "green", Health.AMBER: "yellow", Health.RED: "red"}


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _queue_rows(table: Table, facts: list[QueueFacts], *, dead: bool) -> None:
    for queue in facts:
        if not queue.exists:
            note = "not deployed here" if queue.kind in {"rule-target", "schedule"} else "[red]missing[/red]"
            table.add_row(queue.name, queue.kind, note, "", "")
            continue
        waiting = queue.visible + queue.in_flight if dead else queue.visible
        style = "red" if dead and waiting else ("yellow" if waiting else "")
        visible = f"[{style}]{queue.visible}[/{style}]" if style else str(queue.visible)
        table.add_row(queue.name, queue.kind, visible, str(queue.in_flight), _age(queue.oldest_age_seconds))


def show_status(console: Console, report: StatusReport) -> None:
    colour = _COLOUR[report.health]
    console.print(f"[bold {colour}]{report.health.name}[/bold {colour}]")
    for reason in report.reasons:
        console.print(f"  - {reason}")
    queues = Table("queue", "kind", "visible", "in flight", "oldest", title="Queues and dead-letter queues")
    _queue_rows(queues, report.queues, dead=False)
    _queue_rows(queues, report.dlqs, dead=True)
    console.print(queues)
    outboxes = Table("table", "waiting", "oldest", title="Outboxes (unpublished events)")
    for outbox in report.outboxes:
        outboxes.add_row(outbox.name, str(outbox.count), _age(outbox.oldest_age_seconds))
    payments = report.unknown_payments
    outboxes.add_row(f"{payments.name} (UNKNOWN payments)", str(payments.count), _age(payments.oldest_age_seconds))
    console.print(outboxes)
    runs = Table("state machine", "running", "failed, timed out or aborted (24 h)", title="Step Functions")
    for execution in report.executions:
        if not execution.exists:
            runs.add_row(execution.state_machine, "[red]missing[/red]", "")
            continue
        failed = ", ".join(f"{item['name']} {item['status']}" for item in execution.failed_recently[:3])
        extra = len(execution.failed_recently) - 3
        runs.add_row(execution.state_machine, str(execution.running), failed + (f" (+{extra})" if extra > 0 else ""))
    console.print(runs)


def show_dead_messages(console: Console, queue: str, messages: list[DeadMessage]) -> None:
    table = Table("message id", "event type", "event id", "order id", "receives", "sent", "why it died", title=queue)
    for message in messages:
        table.add_row(
            message.message_id,
            message.event_type or "?",
            message.event_id or "?",
            message.order_id or "",
            str(message.receive_count or "?"),
            message.sent_at or "",
            message.why,
        )
    console.print(table)
