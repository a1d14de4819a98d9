"""What reached the bus, seen by a soak-only rule and queue, and putting events on the bus again (replays).

Every order.created and payment.* event on the soak's bus also goes to a capture queue the soak reads from
a few threads. That is the record the checker counts events by (by event id: a copy counts once) and the
source of the replays: the same event, same id, put on the bus again, as a redelivery would bring it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_sqs import SQSClient

__all__ = ["BusEvent", "EventCapture"]

RECEIVERS = 3
CAPTURE_PATTERN = {"source": ["shop.order", "shop.payment"]}


@dataclass(frozen=True)
class BusEvent:
    event_id: str
    event_type: str
    order_id: str
    source: str
    detail: str  # the envelope as EventBridge carried it, to put it on the bus again unchanged
    seen_at: float  # time.monotonic() when the capture queue gave it to us
    # time.monotonic() when EventBridge put it on the capture queue (its SentTimestamp): the moment of its delivery
    # to every target, payment's API destination included. Under load the capture is read late, so `seen_at` can
    # come seconds after a delivery that failed while payment was down.
    delivered_at: float


class EventCapture:
    """A rule and a queue of the soak's own on the bus, read until `close()`; both deleted then."""

    def __init__(self, sqs: SQSClient, events: EventBridgeClient, bus: str, name: str) -> None:
        self._sqs, self._events, self._bus, self._name = sqs, events, bus, name
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.first_copies: dict[str, BusEvent] = {}  # by event id
        self.copies = 0
        self.queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(CAPTURE_PATTERN))
        events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "soak-capture", "Arn": arn}])
        self._threads = [
            threading.Thread(target=self._receive, name=f"soak-capture-{n}", daemon=True) for n in range(RECEIVERS)
        ]
        for thread in self._threads:
            thread.start()

    def events(self) -> list[BusEvent]:
        with self._lock:
            return list(self.first_copies.values())

    def of_orders(self, order_ids: set[str]) -> list[BusEvent]:
        return [event for event in self.events() if event.order_id in order_ids]

    def replay(self, events: Iterable[BusEvent]) -> int:
        """Put the events on the bus again, unchanged (same event id), in batches of ten; returns how many."""
        batch: list[BusEvent] = []
        sent = 0
        for event in events:
            batch.append(event)
            if len(batch) == 10:
                sent += self._put(batch)
                batch = []
        if batch:
            sent += self._put(batch)
        return sent

    def wait_quiet(self, seconds: float, timeout: float) -> None:
        """Until no new copy arrived for `seconds` (bounded by `timeout`)."""
        deadline = time.monotonic() + timeout
        last, since = -1, time.monotonic()
        while time.monotonic() < deadline:
            if self.copies != last:
                last, since = self.copies, time.monotonic()
            elif time.monotonic() - since >= seconds:
                return
            time.sleep(0.5)

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)
        self._events.remove_targets(Rule=self._name, EventBusName=self._bus, Ids=["soak-capture"])
        self._events.delete_rule(Name=self._name, EventBusName=self._bus)
        self._sqs.delete_queue(QueueUrl=self.queue_url)

    def _put(self, batch: list[BusEvent]) -> int:
        entries: Any = [
            {"Source": e.source, "DetailType": e.event_type, "Detail": e.detail, "EventBusName": self._bus}
            for e in batch
        ]
        response = self._events.put_events(Entries=entries)
        return len(batch) - response.get("FailedEntryCount", 0)

    def _receive(self) -> None:
        while not self._stop.is_set():
            try:
                response = self._sqs.receive_message(
                    QueueUrl=self.queue_url,
                    MaxNumberOfMessages=10,
                    WaitTimeSeconds=2,
                    MessageSystemAttributeNames=["SentTimestamp"],
                )
            except Exception:  # the emulator busy or restarting: try again, the messages wait in the queue
                time.sleep(1)
                continue
            messages = response.get("Messages", [])
            for message in messages:
                sent = int(message.get("Attributes", {}).get("SentTimestamp", "0")) / 1000
                self._keep(json.loads(message["Body"]), sent)
            if messages:
                self._sqs.delete_message_batch(
                    QueueUrl=self.queue_url,
                    Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)],
                )

    def _keep(self, body: dict[str, Any], sent_epoch: float) -> None:
        detail = body["detail"]
        now = time.monotonic()
        # Both clocks are this machine's: the epoch age of the message, moved onto the monotonic clock.
        delivered_at = now - max(0.0, time.time() - sent_epoch) if sent_epoch else now
        event = BusEvent(
            event_id=str(detail["metadata"]["event_id"]),
            event_type=str(body["detail-type"]),
            order_id=str(detail.get("data", {}).get("order_id", "")),
            source=str(body["source"]),
            detail=json.dumps(detail),
            seen_at=now,
            delivered_at=delivered_at,
        )
        with self._lock:
            self.copies += 1
            self.first_copies.setdefault(event.event_id, event)
