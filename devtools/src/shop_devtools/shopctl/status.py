"""`shopctl status`: queues, DLQs, outboxes, executions and payments to reconcile, judged red, amber or green.

Red: something is stuck or lost and needs a human (a dead letter, a failed run in the last 24 h, an outbox entry
older than 5 minutes, a payment UNKNOWN for over an hour, a topology queue that does not exist). Amber: work is
waiting (a queue or outbox backlog, a payment being reconciled). Green: nothing waits.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from typing import Any, Protocol

from .aws import Backlog, Executions, QueueCounts
from .names import DlqKind, ShopNames

__all__ = ["Health", "StatusReport", "StatusSource", "collect_status"]

OUTBOX_RED_AGE = timedelta(minutes=5)  # the relays publish within seconds: older means no relay is working
UNKNOWN_PAYMENT_RED_AGE = timedelta(hours=1)  # reconciliation retries with backoff; an hour means it is stuck
FAILED_EXECUTION_WINDOW = timedelta(hours=24)


class Health(IntEnum):
    """Also the exit code of `shopctl status` (Nagios plugin convention)."""

    GREEN = 0
    AMBER = 1
    RED = 2


class StatusSource(Protocol):
    """What status reads (shopctl.aws.ShopAws; a fake in unit tests)."""

    def queue_url(self, name: str) -> str | None: ...
    def queue_counts(self, url: str) -> QueueCounts: ...
    def oldest_message_age(self, queue_name: str) -> float | None: ...
    def outbox_backlog(self, table: str) -> Backlog: ...
    def unknown_payments(self, table: str) -> Backlog: ...
    def state_machine_arn(self, name: str) -> str | None: ...
    def executions(self, arn: str, *, failed_since: datetime) -> Executions: ...


@dataclass(frozen=True)
class QueueFacts:
    name: str
    kind: str  # "queue", or the DLQ kind
    exists: bool
    visible: int = 0
    in_flight: int = 0
    oldest_age_seconds: float | None = None  # None: no CloudWatch data here ("n/a")


@dataclass(frozen=True)
class BacklogFacts:
    name: str
    count: int
    oldest_age_seconds: float | None


@dataclass(frozen=True)
class ExecutionFacts:
    state_machine: str
    exists: bool
    running: int = 0
    failed_recently: list[dict[str, str]] = field(default_factory=list)  # name, status, stopped_at


@dataclass
class StatusReport:
    health: Health
    reasons: list[str]
    queues: list[QueueFacts]
    dlqs: list[QueueFacts]
    outboxes: list[BacklogFacts]
    executions: list[ExecutionFacts]
    unknown_payments: BacklogFacts

    def as_json(self) -> dict[str, Any]:
        facts = asdict(self)
        facts["health"] = self.health.name.lower()
        return facts


def _age(now: datetime, moment: datetime | None) -> float | None:
    return (now - moment).total_seconds() if moment is not None else None


def _queue_facts(source: StatusSource, name: str, kind: str) -> QueueFacts:
    url = source.queue_url(name)
    if url is None:
        return QueueFacts(name, kind, exists=False)
    counts = source.queue_counts(url)
    return QueueFacts(name, kind, True, counts.visible, counts.in_flight, source.oldest_message_age(name))


def collect_status(source: StatusSource, names: ShopNames, *, now: datetime | None = None) -> StatusReport:
    now = now or datetime.now(UTC)
    queues = [_queue_facts(source, name, "queue") for name in names.queues().values()]
    dlqs = [_queue_facts(source, ref.name, ref.kind) for ref in names.dlqs()]
    outboxes = []
    for table in names.outbox_tables().values():
        backlog = source.outbox_backlog(table)
        outboxes.append(BacklogFacts(table, backlog.count, _age(now, backlog.oldest)))
    executions = []
    for name in names.state_machines().values():
        arn = source.state_machine_arn(name)
        if arn is None:
            executions.append(ExecutionFacts(name, exists=False))
            continue
        found = source.executions(arn, failed_since=now - FAILED_EXECUTION_WINDOW)
        failed = [
            {"name": execution, "status": status, "stopped_at": stopped.isoformat()}
            for execution, status, stopped in found.failed
        ]
        executions.append(ExecutionFacts(name, True, found.running, failed))
    payments = source.unknown_payments(names.payments_table())
    unknown = BacklogFacts(names.payments_table(), payments.count, _age(now, payments.oldest))
    health, reasons = judge(queues, dlqs, outboxes, executions, unknown)
    return StatusReport(health, reasons, queues, dlqs, outboxes, executions, unknown)


# Target and schedule DLQs exist on AWS only (LocalStack has neither): their absence is not a fault.
_OPTIONAL_DLQ_KINDS: set[DlqKind | str] = {"rule-target", "schedule"}


def judge(
    queues: list[QueueFacts],
    dlqs: list[QueueFacts],
    outboxes: list[BacklogFacts],
    executions: list[ExecutionFacts],
    unknown: BacklogFacts,
) -> tuple[Health, list[str]]:
    """The colour and the reasons for it, worst first."""
    red: list[str] = []
    amber: list[str] = []
    for queue in queues + dlqs:
        if not queue.exists and queue.kind not in _OPTIONAL_DLQ_KINDS:
            red.append(f"{queue.name} does not exist")
    for dlq in dlqs:
        if dlq.visible + dlq.in_flight:
            red.append(f"{dlq.name} holds {dlq.visible + dlq.in_flight} dead message(s): shopctl dlq show {dlq.name}")
    for execution in executions:
        if execution.failed_recently:
            red.append(f"{execution.state_machine}: {len(execution.failed_recently)} failed execution(s) in 24 h")
    for outbox in outboxes:
        if outbox.oldest_age_seconds is not None and outbox.oldest_age_seconds > OUTBOX_RED_AGE.total_seconds():
            red.append(f"{outbox.name}: an entry waits for {outbox.oldest_age_seconds:.0f} s (no relay publishing?)")
        elif outbox.count:
            amber.append(f"{outbox.name}: {outbox.count} entr(y/ies) waiting to be published")
    if unknown.count:
        age = unknown.oldest_age_seconds or 0.0
        target = red if age > UNKNOWN_PAYMENT_RED_AGE.total_seconds() else amber
        target.append(f"{unknown.count} payment(s) UNKNOWN, waiting for reconciliation (oldest {age:.0f} s)")
    for queue in queues:
        if queue.visible:
            amber.append(f"{queue.name}: backlog of {queue.visible} message(s) (consumer down or slow?)")
    if red:
        return Health.RED, red + amber
    if amber:
        return Health.AMBER, amber
    return Health.GREEN, []
