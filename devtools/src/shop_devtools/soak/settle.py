"""Waiting, bounded, until the system has settled after the load: every order final, every consumer queue
empty, every outbox drained, the event replays done.

Bounded by progress, not by a fixed time: a backlog that drains slowly (a busy machine, a long run) is waited
for as long as the work left keeps shrinking; the wait fails when nothing shrank for `stall_seconds`, or at
`timeout` in all.

One thing the local runtime lacks is played here: LocalStack's API destination makes one delivery attempt,
where AWS retries for up to 24 hours. An order.created pushed to payment while payment was down is lost
locally, never on AWS. So, as EventBridge's retry policy would, the soak delivers again (puts on the bus again,
same event id) the order.created of an order still pending whose event payment never accepted (no payment
record), and counts it. Such a lost delivery is explained only if it fell while payment was down (from the
signal until healthy again, with a margin); any other is reported by the checker.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .capture import EventCapture
from .invariants import FINAL
from .load import Replayer
from .sources import orders, outbox_events, payments_by_order, queue_backlog
from .system import SoakSystem

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient

__all__ = ["Settled", "settle"]

POLL_SECONDS = 3.0
REDELIVER_AFTER_SECONDS = 30.0  # an order.created older than this that payment never accepted was lost
DOWNTIME_MARGIN_SECONDS = 5.0  # the capture sees an event a moment after payment would have
PROGRESS_EVERY_SECONDS = 20.0


@dataclass
class Settled:
    ok: bool = False
    seconds: float = 0.0
    redelivered: list[str] = field(default_factory=list)  # event ids put on the bus again for payment
    unexplained: list[str] = field(default_factory=list)  # lost deliveries while payment was up
    last_state: str = ""


def settle(
    system: SoakSystem,
    dynamodb: DynamoDBClient,
    sqs: SQSClient,
    capture: EventCapture,
    replayer: Replayer,
    timeout: float,
    say: Callable[[str], None],
    *,
    stall_seconds: float,
) -> Settled:
    result = Settled()
    began = time.monotonic()
    last_report = began
    quiet_rounds = 0
    least_left: int | None = None  # the least work left seen so far (pending orders + messages + outbox entries)
    shrank_at = began
    while time.monotonic() - began < timeout:
        round_began = time.monotonic()
        replayer.replay_due()
        crashed = system.crashed()
        if crashed:
            result.last_state = f"{', '.join(crashed)} exited without a request"
            break
        statuses = orders(dynamodb, system.deployed)
        pending = [oid for oid, row in statuses.items() if row.status not in FINAL]
        backlog = queue_backlog(sqs, system.deployed)
        waiting = outbox_events(dynamodb, system.deployed)
        result.last_state = (
            f"{len(pending):,} orders pending, queues {sum(backlog.values()):,} "
            f"({', '.join(f'{k} {v}' for k, v in backlog.items() if v) or 'empty'}), outboxes {sum(waiting.values()):,}"
        )
        if pending:
            _redeliver_lost(system, dynamodb, capture, set(pending), result)
        left = len(pending) + sum(backlog.values()) + sum(waiting.values())
        if least_left is None or left < least_left:
            least_left, shrank_at = left, time.monotonic()
        elif time.monotonic() - shrank_at >= stall_seconds:
            result.last_state += f"; no progress for {stall_seconds:.0f} s"
            break
        quiet = left == 0
        quiet_rounds = quiet_rounds + 1 if quiet else 0
        if quiet_rounds >= 2 and not _replays_left(replayer, capture):
            result.ok = True
            break
        if time.monotonic() - last_report >= PROGRESS_EVERY_SECONDS:
            say(f"settling for {time.monotonic() - began:.0f} s: {result.last_state}")
            last_report = time.monotonic()
        # A round scans the orders, payments and outboxes on moto, which the consumers need too: after a long round
        # (10,000 orders) wait three times as long, so the watching never takes more than a quarter of the time.
        time.sleep(max(POLL_SECONDS, 3 * (time.monotonic() - round_began)))
    result.seconds = time.monotonic() - began
    capture.wait_quiet(seconds=3.0, timeout=30.0)  # the last copies reach the capture queue
    return result


def _replays_left(replayer: Replayer, capture: EventCapture) -> bool:
    return replayer.replay_due() > 0


def _redeliver_lost(
    system: SoakSystem, dynamodb: DynamoDBClient, capture: EventCapture, pending: set[str], result: Settled
) -> None:
    now = time.monotonic()
    created = [
        event
        for event in capture.of_orders(pending)
        if event.event_type == "order.created"
        and now - event.seen_at > REDELIVER_AFTER_SECONDS
        and event.event_id not in result.redelivered
    ]
    if not created:
        return
    accepted = payments_by_order(dynamodb, system.deployed)
    lost = [event for event in created if event.order_id not in accepted]
    if not lost:
        return
    windows = [
        (d.began - DOWNTIME_MARGIN_SECONDS, (d.ended or now) + DOWNTIME_MARGIN_SECONDS)
        for d in system.downtimes
        if d.process == "payment"
    ]
    for event in lost:
        result.redelivered.append(event.event_id)
        if not any(start <= event.delivered_at <= end for start, end in windows):
            result.unexplained.append(f"order.created of {event.order_id} never reached payment while it was up")
    capture.replay(lost)
