"""The consumer's flow control with a fake SQS at the boundary: in-flight bound, deletes, heartbeat, shutdown."""

import asyncio
import json
import time
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from shop_shared.contracts import PaymentFailed, new_envelope
from shop_shared.ecs import TaskProtection
from shop_shared.messaging import SqsEventConsumer
from shop_shared.observability.metrics import ConsumerMetrics

if TYPE_CHECKING:
    from conftest import AgentStandIn

QUEUE = "https://sqs.local/000000000000/q"


class FakeQueue:
    """A stand-in for the SQS client: hands out visible messages (at most `per_receive`) and records every call."""

    def __init__(self, bodies: list[str], *, per_receive: int = 10, visibility_timeout: int = 30) -> None:
        self.visible = [
            {"MessageId": str(uuid.uuid4()), "ReceiptHandle": f"rh-{i}", "Body": b} for i, b in enumerate(bodies)
        ]
        self.per_receive = per_receive
        self.visibility_timeout = visibility_timeout
        self.deletes: list[list[str]] = []
        self.releases: list[list[dict[str, Any]]] = []
        self.extensions: list[tuple[str, int]] = []
        self.attribute_reads: list[list[str]] = []

    async def receive_message(self, MaxNumberOfMessages: int, WaitTimeSeconds: int, **_: Any) -> dict[str, Any]:
        if not self.visible:
            await asyncio.sleep(0.05)  # a short "long poll"
            return {}
        count = min(MaxNumberOfMessages, self.per_receive)
        batch, self.visible = self.visible[:count], self.visible[count:]
        return {"Messages": batch}

    async def delete_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> dict[str, Any]:
        self.deletes.append([entry["ReceiptHandle"] for entry in Entries])
        return {"Successful": Entries, "Failed": []}

    async def change_message_visibility_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.releases.append(Entries)
        return {"Successful": Entries, "Failed": []}

    async def change_message_visibility(self, QueueUrl: str, ReceiptHandle: str, VisibilityTimeout: int) -> None:
        self.extensions.append((ReceiptHandle, VisibilityTimeout))

    async def get_queue_attributes(self, QueueUrl: str, AttributeNames: list[str]) -> dict[str, Any]:
        self.attribute_reads.append(AttributeNames)
        values = {
            "VisibilityTimeout": str(self.visibility_timeout),
            "ApproximateNumberOfMessages": str(len(self.visible)),
            "ApproximateNumberOfMessagesNotVisible": "0",
        }
        return {"Attributes": {name: values[name] for name in AttributeNames}}

    @property
    def deleted(self) -> list[str]:
        return [handle for batch in self.deletes for handle in batch]


def body(order_id: str) -> str:
    data = PaymentFailed(
        payment_id="p", order_id=order_id, customer_id="c", amount=1, currency="USD", reason_code="card_declined"
    )
    envelope = new_envelope(data, correlation_id=order_id)
    return json.dumps({"detail-type": "payment.failed", "detail": envelope.to_detail()})


async def eventually(check: Any, message: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for: {message}"
        await asyncio.sleep(0.01)


class Handler:
    """Records handled orders and concurrency; orders listed in `gated` wait for `gate`."""

    def __init__(self, gated: set[str] | None = None) -> None:
        self.gate = asyncio.Event()
        self.gated = gated
        self.started: list[str] = []
        self.finished: list[str] = []
        self.running = 0
        self.max_running = 0

    async def __call__(self, envelope: Any) -> None:
        order_id = envelope.data.order_id
        self.started.append(order_id)
        self.running += 1
        self.max_running = max(self.max_running, self.running)
        try:
            if self.gated is None or order_id in self.gated:
                await self.gate.wait()
            else:
                await asyncio.sleep(0.01)
        finally:
            self.running -= 1
        self.finished.append(order_id)


async def test_in_flight_stays_within_the_bound_and_a_slow_message_does_not_block_the_next() -> None:
    sqs = FakeQueue([body("slow")] + [body(f"fast-{i}") for i in range(8)], per_receive=1)
    handler = Handler(gated={"slow"})
    consumer = SqsEventConsumer(sqs, QUEUE, {"payment.failed": handler}, max_in_flight=3, visibility_timeout=30)
    stop = asyncio.Event()
    running = asyncio.create_task(consumer.run(stop))
    await eventually(lambda: len(handler.finished) == 8, "the fast messages handled while the slow one runs")
    assert "slow" not in handler.finished and handler.max_running <= 3
    handler.gate.set()
    await eventually(lambda: len(sqs.deleted) == 9, "every message deleted")
    stop.set()
    await asyncio.wait_for(running, 5)
    assert handler.max_running == 3


async def test_the_bound_holds_when_a_batch_brings_more_than_the_free_slots() -> None:
    sqs = FakeQueue([body(f"o-{i}") for i in range(10)])
    handler = Handler()
    consumer = SqsEventConsumer(sqs, QUEUE, {"payment.failed": handler}, max_in_flight=4, visibility_timeout=30)
    stop = asyncio.Event()
    running = asyncio.create_task(consumer.run(stop))
    await eventually(lambda: handler.running == 4, "four handlers running")
    await asyncio.sleep(0.1)
    assert handler.running == 4 and consumer.in_flight == 4
    handler.gate.set()
    await eventually(lambda: len(sqs.deleted) == 10, "every message deleted")
    stop.set()
    await asyncio.wait_for(running, 5)
    assert handler.max_running == 4
    assert any(len(batch) > 1 for batch in sqs.deletes), "deletes of messages finishing together go in one call"


async def test_stop_gives_back_unstarted_messages_at_once_and_lets_running_ones_finish() -> None:
    sqs = FakeQueue([body(f"o-{i}") for i in range(5)])
    handler = Handler()
    consumer = SqsEventConsumer(
        sqs, QUEUE, {"payment.failed": handler}, max_in_flight=2, visibility_timeout=30, shutdown_grace_seconds=5
    )
    stop = asyncio.Event()
    running = asyncio.create_task(consumer.run(stop))
    await eventually(lambda: handler.running == 2, "two handlers running")
    stop.set()
    await eventually(lambda: bool(sqs.releases), "unstarted messages given back")
    [released] = sqs.releases
    assert {entry["VisibilityTimeout"] for entry in released} == {0} and len(released) == 3
    assert not running.done(), "the running handlers are still being waited for"
    handler.gate.set()
    await asyncio.wait_for(running, 5)
    assert sorted(handler.finished) == sorted(handler.started) and len(handler.started) == 2
    released_handles = {entry["ReceiptHandle"] for entry in released}
    assert len(sqs.deleted) == 2 and not released_handles & set(sqs.deleted)


async def test_handlers_still_running_at_the_deadline_are_cancelled_and_their_messages_given_back() -> None:
    sqs = FakeQueue([body("stuck")])
    handler = Handler()
    consumer = SqsEventConsumer(
        sqs, QUEUE, {"payment.failed": handler}, visibility_timeout=30, shutdown_grace_seconds=0.2
    )
    stop = asyncio.Event()
    running = asyncio.create_task(consumer.run(stop))
    await eventually(lambda: handler.running == 1, "the handler running")
    stop.set()
    await asyncio.wait_for(running, 2)
    assert sqs.deleted == [] and [entry["ReceiptHandle"] for entry in sqs.releases[-1]] == ["rh-0"]


async def test_visibility_is_extended_while_the_handler_runs_and_no_longer_after() -> None:
    sqs = FakeQueue([body("slow")], visibility_timeout=1)
    handler = Handler()
    consumer = SqsEventConsumer(sqs, QUEUE, {"payment.failed": handler})
    stop = asyncio.Event()
    running = asyncio.create_task(consumer.run(stop))
    await eventually(lambda: len(sqs.extensions) >= 2, "two visibility extensions")
    assert ["VisibilityTimeout"] in sqs.attribute_reads, "the timeout is read from the queue"
    assert set(sqs.extensions) == {("rh-0", 1)}
    handler.gate.set()
    await eventually(lambda: sqs.deleted == ["rh-0"], "the message deleted")
    extensions = len(sqs.extensions)
    await asyncio.sleep(0.7)
    assert len(sqs.extensions) == extensions
    stop.set()
    await asyncio.wait_for(running, 5)


async def test_failed_messages_are_neither_deleted_nor_given_back() -> None:
    async def fails(_: Any) -> None:
        raise RuntimeError("downstream down")

    sqs = FakeQueue([body("bad"), "{not json"])
    consumer = SqsEventConsumer(sqs, QUEUE, {"payment.failed": fails}, visibility_timeout=30)
    stop = asyncio.Event()
    running = asyncio.create_task(consumer.run(stop))
    await eventually(lambda: not sqs.visible, "both received")
    await asyncio.sleep(0.2)
    stop.set()
    await asyncio.wait_for(running, 5)
    assert sqs.deletes == [] and sqs.releases == []


async def test_the_consumer_writes_one_line_per_message_and_a_periodic_backlog(
    capsys: pytest.CaptureFixture[str],
) -> None:
    async def fails_on_bad(envelope: Any) -> None:
        if envelope.data.order_id == "bad":
            raise RuntimeError("downstream down")

    sqs = FakeQueue([body("good"), body("bad"), body("good-2")])
    consumer = SqsEventConsumer(
        sqs,
        QUEUE,
        {"payment.failed": fails_on_bad},
        visibility_timeout=30,
        metrics=ConsumerMetrics("loyalty", "order-events"),
        backlog_interval_seconds=0.1,
    )
    stop = asyncio.Event()
    running = asyncio.create_task(consumer.run(stop))
    await eventually(lambda: len(sqs.deleted) == 2, "the good messages deleted")
    await asyncio.sleep(0.25)
    stop.set()
    await asyncio.wait_for(running, 5)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    per_message = [line for line in lines if "ProcessingTime" in line]
    backlog = [line for line in lines if "ApproximateNumberOfMessages" in line]
    assert sorted(line["Outcome"] for line in per_message) == ["failed", "succeeded", "succeeded"]
    assert len(backlog) >= 2 and backlog[-1]["ApproximateNumberOfMessages"] == 0


PROTECT = {"ProtectionEnabled": True, "ExpiresInMinutes": 10}
RELEASE = {"ProtectionEnabled": False}


async def test_the_consumer_protects_while_busy_and_releases_when_idle_and_at_stop(ecs_agent: "AgentStandIn") -> None:
    stand_in, uri = ecs_agent, ecs_agent.uri
    sqs = FakeQueue([body("o-1")])
    handler = Handler()
    protection = TaskProtection(uri, idle_release_seconds=0.1)
    consumer = SqsEventConsumer(
        sqs, QUEUE, {"payment.failed": handler}, visibility_timeout=30, task_protection=protection
    )
    stop = asyncio.Event()
    running = asyncio.create_task(consumer.run(stop))
    await eventually(lambda: handler.running == 1, "the handler running")
    assert stand_in.bodies == [PROTECT]
    handler.gate.set()
    await eventually(lambda: stand_in.bodies == [PROTECT, RELEASE], "released once idle")
    sqs.visible.append({"MessageId": "m2", "ReceiptHandle": "rh-2", "Body": body("o-2")})
    await eventually(lambda: sqs.deleted == ["rh-0", "rh-2"], "the second message handled")
    stop.set()
    await asyncio.wait_for(running, 5)
    assert stand_in.bodies[:3] == [PROTECT, RELEASE, PROTECT] and stand_in.bodies[-1] == RELEASE


class SlowPollQueue(FakeQueue):
    """A poll that lasts until `arrive` is set, then brings whatever was sent meanwhile."""

    def __init__(self) -> None:
        super().__init__([])
        self.polling = asyncio.Event()
        self.arrive = asyncio.Event()

    async def receive_message(self, MaxNumberOfMessages: int, WaitTimeSeconds: int, **_: Any) -> dict[str, Any]:
        self.polling.set()
        await self.arrive.wait()
        return {"Messages": [{"MessageId": "m", "ReceiptHandle": "rh-late", "Body": body("late")}]}


async def test_the_poll_under_way_at_stop_is_waited_out_and_what_it_brings_given_back() -> None:
    sqs = SlowPollQueue()
    handler = Handler()
    consumer = SqsEventConsumer(sqs, QUEUE, {"payment.failed": handler}, visibility_timeout=30)
    stop = asyncio.Event()
    running = asyncio.create_task(consumer.run(stop))
    await asyncio.wait_for(sqs.polling.wait(), 5)
    stop.set()
    await asyncio.sleep(0.05)
    assert not running.done(), "the stop waits for the poll"
    sqs.arrive.set()
    await asyncio.wait_for(running, 5)
    assert handler.started == [], "a message received after the stop is not handled"
    assert [[entry["ReceiptHandle"] for entry in batch] for batch in sqs.releases] == [["rh-late"]]


async def test_a_poll_outlasting_the_shutdown_deadline_is_abandoned() -> None:
    sqs = SlowPollQueue()
    consumer = SqsEventConsumer(sqs, QUEUE, {}, visibility_timeout=30, shutdown_grace_seconds=0.2)
    stop = asyncio.Event()
    running = asyncio.create_task(consumer.run(stop))
    await asyncio.wait_for(sqs.polling.wait(), 5)
    stop.set()
    await asyncio.wait_for(running, 5)
    assert sqs.releases == []
