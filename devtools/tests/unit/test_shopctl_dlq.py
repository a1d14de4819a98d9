"""shopctl dlq: decoding dead messages, showing them without consuming them, and redrive that never loses one."""

from __future__ import annotations

import json
from typing import Any

import pytest
from shop_devtools.shopctl.aws import MoveTaskProgress, QueueCounts
from shop_devtools.shopctl.dlq import decode, peek, redrive, redrive_missed_runs, redrive_to, to_bus, to_queue
from shop_devtools.shopctl.exceptions import ShopctlError
from shop_devtools.shopctl.replay import LoggedEvent
from shop_devtools.testing.events import as_eventbridge_event, order_created_envelope

DLQ, SOURCE = "https://sqs/dlq", "https://sqs/source"


class FakeSqs:
    """Queues as lists; a received message is hidden until released or deleted (no clock: nothing comes back alone)."""

    def __init__(
        self,
        bodies: list[str],
        *,
        move_tasks: bool = False,
        failing_sends: int = 0,
        sent_at_ms: list[int] | None = None,
    ) -> None:
        self.queues: dict[str, list[dict[str, Any]]] = {
            DLQ: [
                {
                    "MessageId": f"m-{i}",
                    "Body": body,
                    "Attributes": {"ApproximateReceiveCount": "5", "SentTimestamp": str((sent_at_ms or [0] * 99)[i])},
                    "MessageAttributes": {"ERROR_CODE": {"StringValue": "CONNECTION_FAILURE", "DataType": "String"}},
                }
                for i, body in enumerate(bodies)
            ],
            SOURCE: [],
        }
        self.bus: list[LoggedEvent] = []
        self.bus_refuses = False
        self.hidden: dict[str, dict[str, Any]] = {}  # receipt handle -> message
        self.move_tasks = move_tasks
        self.failing_sends = failing_sends
        self.progress_calls = 0

    def queue_counts(self, url: str) -> QueueCounts:
        hidden = sum(1 for handle in self.hidden if handle.startswith(url))
        return QueueCounts(len(self.queues[url]), hidden)

    def queue_arn(self, url: str) -> str:
        return f"arn:{url}"

    def receive(self, url: str, *, max_messages: int, visibility_timeout: int, wait_seconds: int) -> list[Any]:
        batch = self.queues[url][:max_messages]
        del self.queues[url][:max_messages]
        received = []
        for message in batch:
            handle = f"{url}#{message['MessageId']}#{len(self.hidden)}"
            self.hidden[handle] = message
            received.append({**message, "ReceiptHandle": handle})
        return received

    def release(self, url: str, receipt_handles: list[str]) -> None:
        for handle in receipt_handles:
            self.queues[url].append(self.hidden.pop(handle))

    def send(self, url: str, message: Any) -> None:
        if self.failing_sends:
            self.failing_sends -= 1
            raise ShopctlError("send refused")
        self.queues[url].append({"MessageId": f"copy-{message['MessageId']}", "Body": message["Body"]})

    def send_body(self, url: str, body: str) -> None:
        self.queues[url].append({"MessageId": "copy", "Body": body})

    def put_events(self, bus: str, events: list[LoggedEvent]) -> list[LoggedEvent]:
        if self.bus_refuses:
            return events
        self.bus += events
        return []

    def delete(self, url: str, receipt_handle: str) -> None:
        del self.hidden[receipt_handle]

    def start_move_task(self, source_arn: str, destination_arn: str) -> str | None:
        if not self.move_tasks:
            return None
        assert (source_arn, destination_arn) == (f"arn:{DLQ}", f"arn:{SOURCE}")
        return "task-1"

    def move_task_progress(self, source_arn: str, task_handle: str) -> MoveTaskProgress:
        self.progress_calls += 1
        if self.progress_calls == 1:
            return MoveTaskProgress("RUNNING", 1, 3, None)
        self.queues[SOURCE], self.queues[DLQ] = self.queues[DLQ], []
        return MoveTaskProgress("COMPLETED", 3, 3, None)


def event_body() -> tuple[str, Any]:
    envelope = order_created_envelope("c-1", "10.00")
    return json.dumps(as_eventbridge_event(envelope)), envelope


def test_a_valid_event_is_decoded_to_its_ids() -> None:
    body, envelope = event_body()
    source = "arn:aws:sqs:us-east-1:000000000000:shop-loyalty-order-events"
    dead = decode(
        {
            "MessageId": "m-1",
            "Body": body,
            "Attributes": {"ApproximateReceiveCount": "6", "DeadLetterQueueSourceArn": source},
        }
    )
    assert (dead.event_type, dead.event_id, dead.order_id) == (
        "order.created",
        str(envelope.metadata.event_id),
        envelope.data.order_id,
    )
    assert dead.receive_count == 6 and dead.dead_from == "shop-loyalty-order-events"
    assert "handler kept failing" in dead.why


def test_an_invalid_envelope_says_why_and_keeps_what_can_be_read() -> None:
    body, envelope = event_body()
    event = json.loads(body)
    event["detail"]["data"]["total"] = "not money"
    dead = decode({"MessageId": "m-1", "Body": json.dumps(event)})
    assert dead.why.startswith("not a valid envelope") and "order.created" in dead.why
    assert (dead.event_id, dead.order_id) == (str(envelope.metadata.event_id), envelope.data.order_id)
    assert decode({"MessageId": "m-2", "Body": "{not json"}).why.startswith(
        "not a valid envelope, the consumer rejects it: message body is not JSON"
    )


def test_show_leaves_every_message_in_the_dlq() -> None:
    sqs = FakeSqs([event_body()[0] for _ in range(12)])
    shown = peek(sqs, DLQ, max_messages=11)
    assert len(shown) == 11 and len({message.message_id for message in shown}) == 11
    assert sqs.queue_counts(DLQ) == QueueCounts(12, 0)


def test_redrive_uses_the_move_task_where_the_runtime_has_one() -> None:
    sqs = FakeSqs(["a", "b", "c"], move_tasks=True)
    seen: list[tuple[int, int]] = []
    result = redrive(
        sqs,
        DLQ,
        SOURCE,
        max_messages=None,
        progress=lambda moved, total: seen.append((moved, total)),
        sleep=lambda _: None,
    )
    assert (result.method, result.moved) == ("message move task", 3)
    assert seen == [(1, 3), (3, 3)]


def test_redrive_copies_then_deletes_without_move_task_and_stops_at_max() -> None:
    sqs = FakeSqs(["a", "b", "c"])
    result = redrive(sqs, DLQ, SOURCE, max_messages=2, progress=lambda moved, total: None)
    assert (result.method, result.moved) == ("copy-then-delete", 2)
    assert [message["Body"] for message in sqs.queues[SOURCE]] == ["a", "b"]
    assert sqs.queue_counts(DLQ) == QueueCounts(1, 0)


def test_a_refused_copy_deletes_nothing_it_did_not_copy() -> None:
    sqs = FakeSqs(["a", "b", "c"], failing_sends=1)
    with pytest.raises(ShopctlError, match="send refused"):
        redrive(sqs, DLQ, SOURCE, max_messages=None, progress=lambda moved, total: None)
    assert sqs.queues[SOURCE] == []
    assert sqs.queue_counts(DLQ) == QueueCounts(3, 0)  # all still there, visible again


def test_a_failed_move_task_is_an_error() -> None:
    class FailingTask(FakeSqs):
        def move_task_progress(self, source_arn: str, task_handle: str) -> MoveTaskProgress:
            return MoveTaskProgress("FAILED", 0, 1, "AccessDenied on the destination")

    with pytest.raises(ShopctlError, match="ended FAILED: AccessDenied"):
        redrive(FailingTask(["a"], move_tasks=True), DLQ, SOURCE, max_messages=None, progress=lambda m, t: None)


def test_a_rule_targets_dead_letter_says_why_eventbridge_gave_up() -> None:
    body, _ = event_body()
    attributes = {
        "ERROR_CODE": {"StringValue": "CONNECTION_FAILURE", "DataType": "String"},
        "ERROR_MESSAGE": {"StringValue": "payment did not answer", "DataType": "String"},
        "RETRY_ATTEMPTS": {"StringValue": "185", "DataType": "Number"},
    }
    dead = decode({"MessageId": "m-1", "Body": body, "Attributes": {}, "MessageAttributes": attributes})  # type: ignore[typeddict-item]
    assert dead.why == "not delivered to its target: CONNECTION_FAILURE payment did not answer (after 185 retries)"
    assert dead.event_type == "order.created"


def test_a_queue_targets_dead_event_goes_to_the_queue_as_its_body_alone() -> None:
    body, _ = event_body()
    sqs = FakeSqs([body])
    result = redrive_to(sqs, DLQ, to_queue(sqs, SOURCE, with_attributes=False), None, lambda moved, total: None)
    assert result.moved == 1 and sqs.queues[DLQ] == [] and not sqs.hidden
    assert sqs.queues[SOURCE] == [{"MessageId": "copy", "Body": body}]  # no ERROR_CODE attribute carried along


def test_an_api_destinations_dead_event_goes_back_on_the_bus_as_published() -> None:
    body, envelope = event_body()
    sqs = FakeSqs([body])
    assert redrive_to(sqs, DLQ, to_bus(sqs, "shop-events"), None, lambda moved, total: None).moved == 1
    [event] = sqs.bus
    assert (event.source, event.detail_type) == ("shop.order", "order.created")
    assert event.event_id == str(envelope.metadata.event_id)
    assert event.detail["metadata"]["event_id"] == str(envelope.metadata.event_id)


def test_an_event_the_bus_refuses_stays_in_the_dlq() -> None:
    body, _ = event_body()
    sqs = FakeSqs([body, body])
    sqs.bus_refuses = True
    with pytest.raises(ShopctlError, match="the bus refused event"):
        redrive_to(sqs, DLQ, to_bus(sqs, "shop-events"), None, lambda moved, total: None)
    assert len(sqs.queues[DLQ]) == 2 and not sqs.hidden


def test_missed_runs_become_one_run_per_month_then_leave_the_dlq() -> None:
    december, january = 1_796_086_800_000, 1_798_765_200_000  # 2026-12-01 01:00, 2027-01-01 01:00 UTC
    sqs = FakeSqs(["{}", "{}", "{}"], sent_at_ms=[december, december + 60_000, january])
    months: list[str] = []
    result = redrive_missed_runs(sqs, DLQ, months.append, lambda moved, total: None)
    assert months == ["2026-12", "2027-01"]
    assert result.moved == 3 and sqs.queues[DLQ] == [] and not sqs.hidden


def test_a_run_that_does_not_start_leaves_its_letters() -> None:
    sqs = FakeSqs(["{}"], sent_at_ms=[1_796_086_800_000])

    def refuse(month: str) -> None:
        raise ShopctlError("StartExecution refused")

    with pytest.raises(ShopctlError):
        redrive_missed_runs(sqs, DLQ, refuse, lambda moved, total: None)
    assert len(sqs.hidden) == 1  # not deleted: visible again after the visibility timeout
