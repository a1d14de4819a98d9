"""`shopctl dlq show|redrive`: dead messages decoded without consuming them, and sent back where they were going.

Show receives with a short visibility timeout and makes the messages visible again at once. That raises their
receive count in the DLQ only, which has no redrive policy of its own, so nothing moves because of it.
Redrive of a queue's DLQ uses SQS's message move task where the runtime has one (all messages), else
copy-then-delete: a message leaves the DLQ only after its copy was acknowledged. A rule target's DLQ (AWS only: an
event EventBridge could not deliver) goes back by copy-then-delete too, to the target's queue, or onto the bus for
an API destination. A schedule's DLQ (a monthly run Scheduler could not start) becomes one run per missed month.
A copy whose delete then fails comes back once more: harmless, because every consumer is idempotent (it handles
an event id once) and a tier run for a month already done changes nothing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from shop_shared.contracts import InvalidEvent
from shop_shared.messaging import envelope_from_sqs_body

from .aws import MoveTaskProgress, QueueCounts
from .exceptions import ShopctlError
from .replay import LoggedEvent, bus_event

if TYPE_CHECKING:
    from mypy_boto3_sqs.type_defs import MessageTypeDef

__all__ = [
    "DeadMessage",
    "Deliver",
    "DlqPort",
    "RedriveResult",
    "decode",
    "peek",
    "redrive",
    "redrive_missed_runs",
    "redrive_to",
    "to_bus",
    "to_queue",
]

SHOW_VISIBILITY_SECONDS = 30  # hidden while we collect up to --max messages, then made visible again at once
COPY_VISIBILITY_SECONDS = 60  # time to send the copy and delete the original
MOVE_TASK_DONE = {"COMPLETED", "FAILED", "CANCELLED"}
SAFETY_NOTE = "Safe to redrive: every consumer is idempotent, so an event it already handled changes nothing."

Progress = Callable[[int, int], None]  # (moved, total)
Deliver = Callable[["MessageTypeDef"], None]  # sends a dead message on; raises unless it was acknowledged


class DlqPort(Protocol):
    """The SQS calls of show and redrive (shopctl.aws.ShopAws; a fake in unit tests)."""

    def queue_counts(self, url: str) -> QueueCounts: ...
    def queue_arn(self, url: str) -> str: ...
    def receive(
        self, url: str, *, max_messages: int, visibility_timeout: int, wait_seconds: int
    ) -> list[MessageTypeDef]: ...
    def release(self, url: str, receipt_handles: list[str]) -> None: ...
    def send(self, url: str, message: MessageTypeDef) -> None: ...
    def send_body(self, url: str, body: str) -> None: ...
    def put_events(self, bus: str, events: list[LoggedEvent]) -> list[LoggedEvent]: ...
    def delete(self, url: str, receipt_handle: str) -> None: ...
    def start_move_task(self, source_arn: str, destination_arn: str) -> str | None: ...
    def move_task_progress(self, source_arn: str, task_handle: str) -> MoveTaskProgress: ...


@dataclass(frozen=True)
class DeadMessage:
    message_id: str
    receive_count: int | None  # receives in the source queue plus those in the DLQ (inspections included)
    sent_at: str | None
    dead_from: str | None  # the queue it died in (DeadLetterQueueSourceArn), when SQS says
    event_type: str | None
    event_id: str | None
    order_id: str | None
    why: str


def _sent_at(attributes: dict[str, str]) -> str | None:
    sent = attributes.get("SentTimestamp")
    return datetime.fromtimestamp(int(sent) / 1000, UTC).isoformat() if sent else None


def _best_effort_metadata(body: str) -> dict[str, Any]:
    """What can still be read from a body that is not a valid envelope (for the operator, not for handling)."""
    try:
        event = json.loads(body)
    except json.JSONDecodeError:
        return {}
    detail = event.get("detail") if isinstance(event, dict) else None
    metadata = detail.get("metadata") if isinstance(detail, dict) else None
    data = detail.get("data") if isinstance(detail, dict) else None
    found = dict(metadata) if isinstance(metadata, dict) else {}
    if isinstance(data, dict) and "order_id" in data:
        found["order_id"] = data["order_id"]
    if "event_type" not in found and isinstance(event, dict) and isinstance(event.get("detail-type"), str):
        found["event_type"] = event["detail-type"]
    return found


def _undelivered(message: MessageTypeDef) -> str | None:
    """Why EventBridge or Scheduler gave up on it: the attributes they put on a target's dead letter."""
    attributes = {name: value.get("StringValue", "") for name, value in message.get("MessageAttributes", {}).items()}
    if "ERROR_CODE" not in attributes:
        return None
    retries = attributes.get("RETRY_ATTEMPTS")
    return f"not delivered to its target: {attributes['ERROR_CODE']} {attributes.get('ERROR_MESSAGE', '')}".rstrip() + (
        f" (after {retries} retries)" if retries else ""
    )


def decode(message: MessageTypeDef) -> DeadMessage:
    """An EventBridge event (as a rule delivers it) -> our envelope; says why it died where that can be told."""
    attributes: dict[str, str] = {str(name): value for name, value in message.get("Attributes", {}).items()}
    count = attributes.get("ApproximateReceiveCount")
    source_arn = attributes.get("DeadLetterQueueSourceArn")
    try:
        envelope = envelope_from_sqs_body(message["Body"])
    except InvalidEvent as error:
        metadata = _best_effort_metadata(message["Body"])
        event_type, event_id, order_id = metadata.get("event_type"), metadata.get("event_id"), metadata.get("order_id")
        why = f"not a valid envelope, the consumer rejects it: {error}"
    else:
        data_order_id = getattr(envelope.data, "order_id", None)
        event_type, event_id = envelope.metadata.event_type, str(envelope.metadata.event_id)
        order_id = str(data_order_id) if data_order_id is not None else None
        why = "a valid event whose handler kept failing (see the consumer's log for its event id)"
    why = _undelivered(message) or why
    return DeadMessage(
        message_id=message["MessageId"],
        receive_count=int(count) if count else None,
        sent_at=_sent_at(attributes),
        dead_from=source_arn.rsplit(":", 1)[-1] if source_arn else None,
        event_type=event_type,
        event_id=event_id,
        order_id=order_id,
        why=why,
    )


def peek(port: DlqPort, url: str, *, max_messages: int) -> list[DeadMessage]:
    """Up to `max_messages` dead messages, decoded; each is visible again when this returns."""
    received: dict[str, MessageTypeDef] = {}
    handles: list[str] = []
    try:
        while len(received) < max_messages:
            batch = port.receive(
                url,
                max_messages=min(10, max_messages - len(received)),
                visibility_timeout=SHOW_VISIBILITY_SECONDS,
                wait_seconds=1,
            )
            if not batch:
                break
            for message in batch:
                handles.append(message["ReceiptHandle"])
                received.setdefault(message["MessageId"], message)
    finally:
        if handles:
            port.release(url, handles)
    return [decode(message) for message in received.values()]


@dataclass(frozen=True)
class RedriveResult:
    method: str  # "message move task" or "copy-then-delete"
    moved: int


def redrive(
    port: DlqPort,
    dlq_url: str,
    source_url: str,
    *,
    max_messages: int | None,
    progress: Progress,
    timeout: float = 600.0,
    sleep: Callable[[float], None] = time.sleep,
) -> RedriveResult:
    """Move dead messages back to `source_url`: all of them by move task where possible, else (or with a max) copies."""
    total = port.queue_counts(dlq_url).visible
    if max_messages is None:
        dlq_arn, source_arn = port.queue_arn(dlq_url), port.queue_arn(source_url)
        handle = port.start_move_task(dlq_arn, source_arn)
        if handle is not None:
            return RedriveResult(
                "message move task", _follow_move_task(port, dlq_arn, handle, total, progress, timeout, sleep)
            )
    return redrive_to(port, dlq_url, to_queue(port, source_url, with_attributes=True), max_messages, progress)


def redrive_to(
    port: DlqPort, dlq_url: str, deliver: Deliver, max_messages: int | None, progress: Progress
) -> RedriveResult:
    """Copy-then-delete up to `max_messages` (default: all) dead messages to wherever `deliver` sends them."""
    total = port.queue_counts(dlq_url).visible
    limit = total if max_messages is None else min(max_messages, total)
    return RedriveResult("copy-then-delete", _copy_then_delete(port, dlq_url, deliver, limit, progress))


def to_queue(port: DlqPort, url: str, *, with_attributes: bool) -> Deliver:
    """Into a queue: a consumer's message with its attributes; a rule target's event as its body alone (the DLQ's
    attributes describe the failure, not the event)."""
    if with_attributes:
        return lambda message: port.send(url, message)
    return lambda message: port.send_body(url, message["Body"])


def to_bus(port: DlqPort, bus: str) -> Deliver:
    """Onto the bus, as it was published: every rule matching it delivers it again (an API destination's only way)."""

    def deliver(message: MessageTypeDef) -> None:
        event = bus_event(message["Body"])
        if event is None:
            raise ShopctlError(f"message {message['MessageId']} is not an EventBridge event; left in the DLQ")
        if port.put_events(bus, [event]):
            raise ShopctlError(f"the bus refused event {event.event_id}; it stays in the DLQ")

    return deliver


def redrive_missed_runs(
    port: DlqPort, dlq_url: str, start_run: Callable[[str], None], progress: Progress
) -> RedriveResult:
    """A schedule's dead letters are runs that never started: one run per month they were missed in (the tier run
    qualifies for a month: RunRequest.as_of), then the letters are deleted."""
    total = port.queue_counts(dlq_url).visible
    by_month: dict[str, list[str]] = {}
    while sum(map(len, by_month.values())) < total:
        batch = port.receive(dlq_url, max_messages=10, visibility_timeout=COPY_VISIBILITY_SECONDS, wait_seconds=1)
        if not batch:
            break
        for message in batch:
            sent = int(message.get("Attributes", {}).get("SentTimestamp", "0")) / 1000
            month = (datetime.fromtimestamp(sent, UTC) if sent else datetime.now(UTC)).strftime("%Y-%m")
            by_month.setdefault(month, []).append(message["ReceiptHandle"])
    done = 0
    for month, handles in sorted(by_month.items()):
        start_run(month)  # raises unless the execution started: the letters stay then
        for handle in handles:
            port.delete(dlq_url, handle)
        done += len(handles)
        progress(done, total)
    return RedriveResult(f"{len(by_month)} run(s) started", done)


def _follow_move_task(
    port: DlqPort,
    dlq_arn: str,
    handle: str,
    total: int,
    progress: Progress,
    timeout: float,
    sleep: Callable[[float], None],
) -> int:
    deadline = time.monotonic() + timeout
    while True:
        task = port.move_task_progress(dlq_arn, handle)
        progress(task.moved, max(task.to_move, total))
        if task.status in MOVE_TASK_DONE:
            if task.status != "COMPLETED":
                raise ShopctlError(f"the message move task ended {task.status}: {task.failure or 'no reason given'}")
            return task.moved
        if time.monotonic() > deadline:
            raise ShopctlError(
                f"the message move task is still {task.status} after {timeout:.0f} s ({task.moved} moved)"
            )
        sleep(0.5)


def _copy_then_delete(port: DlqPort, dlq_url: str, deliver: Deliver, limit: int, progress: Progress) -> int:
    moved = 0
    progress(moved, limit)
    while moved < limit:
        batch = port.receive(
            dlq_url, max_messages=min(10, limit - moved), visibility_timeout=COPY_VISIBILITY_SECONDS, wait_seconds=1
        )
        if not batch:
            break  # fewer than counted: another redrive or a consumer of the DLQ took some
        for index, message in enumerate(batch):
            try:
                deliver(message)  # raises unless the destination acknowledged the copy
            except Exception:
                # Not copied: this one and the rest of the batch stay in the DLQ, visible again at once.
                port.release(dlq_url, [rest["ReceiptHandle"] for rest in batch[index:]])
                raise
            port.delete(dlq_url, message["ReceiptHandle"])
            moved += 1
            progress(moved, limit)
    return moved
