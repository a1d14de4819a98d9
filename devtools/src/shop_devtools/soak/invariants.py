"""The soak's invariant checker: pure functions over what every source of truth says after the run settled.

One Check per invariant; `check_all` never stops at the first failure, so one run shows everything wrong.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from shop_loyalty.domain.rules import points_for_order

__all__ = [
    "Check",
    "EventRow",
    "Evidence",
    "NotificationRow",
    "OrderRow",
    "SentMessage",
    "check_all",
    "expected_points",
    "summary",
]

FINAL = ("PAID", "PAYMENT_FAILED")
OUTCOME_OF = {"PAID": "payment.succeeded", "PAYMENT_FAILED": "payment.failed"}
SHOWN = 5  # offending items named per failed line


@dataclass(frozen=True)
class OrderRow:
    customer_id: str
    status: str
    total: Decimal


@dataclass(frozen=True)
class NotificationRow:
    customer_id: str
    event_id: str
    template: str
    status: str
    message: str = ""  # the text sent: the SMS, or the e-mail's text body


@dataclass(frozen=True)
class SentMessage:
    """One message LocalStack actually sent (its /_aws/ses and /_aws/sns/sms-messages records)."""

    destination: str  # the phone number or e-mail address
    text: str  # the SMS, or the e-mail's text body


@dataclass(frozen=True)
class EventRow:
    event_id: str
    event_type: str
    order_id: str


@dataclass
class Evidence:
    placed: dict[str, str]  # order id -> customer, every order the client got a 201 for
    client_errors: list[str] = field(default_factory=list)  # orders never accepted, with why
    duplicate_mismatches: list[str] = field(default_factory=list)  # re-POSTs that did not return the same order
    duplicates_sent: int = 0
    orders: dict[str, OrderRow] = field(default_factory=dict)  # the orders table
    charges: list[dict[str, Any]] = field(default_factory=list)  # the provider's
    payment_statuses: dict[str, list[str]] = field(default_factory=dict)  # by order id, the payments table
    loyalty_points: dict[str, int] = field(default_factory=dict)
    partner_points: dict[str, int] = field(default_factory=dict)
    bus_events: list[EventRow] = field(default_factory=list)  # distinct by event id
    notifications: list[NotificationRow] = field(default_factory=list)
    dlq: dict[str, list[str]] = field(default_factory=dict)
    outbox: dict[str, int] = field(default_factory=dict)
    contacts: dict[str, str] = field(default_factory=dict)  # customer -> their phone number or e-mail address
    sent: list[SentMessage] = field(default_factory=list)  # what LocalStack's SES and SNS actually sent
    notifications_interrupted: bool = False  # notifications was killed or stopped (explains at-most-once UNKNOWNs)
    fault_failures: list[str] = field(default_factory=list)
    unexplained_redeliveries: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'PASS' if self.ok else 'FAIL'}  {self.name}: {self.detail}"


def summary(checks: list[Check]) -> str:
    passed = sum(check.ok for check in checks)
    return f"{passed} passed, {len(checks) - passed} failed"


def expected_points(orders: dict[str, OrderRow]) -> dict[str, int]:
    """Each customer's points: those of their PAID orders (a failed order's credit is reversed)."""
    points: dict[str, int] = defaultdict(int)
    for order in orders.values():
        points[order.customer_id] += points_for_order(order.total) if order.status == "PAID" else 0
    return points


def check_all(e: Evidence) -> list[Check]:
    return [
        _accepted(e),
        _no_order_lost_or_invented(e),
        _final(e),
        _charges(e),
        _points("loyalty points = points of each customer's paid orders", e.loyalty_points, e),
        _points("the partner was told the same points (credits less reversals)", e.partner_points, e),
        _events_once(e),
        _notifications(e),
        _sent(e),
        _check(
            "no message in any DLQ",
            [f"{q}: {b}" for q, bodies in e.dlq.items() for b in bodies],
            f"{len(e.dlq)} DLQs empty",
        ),
        _check(
            "no event left in an outbox",
            [f"{table}: {n} events" for table, n in e.outbox.items() if n],
            f"{len(e.outbox)} outboxes empty",
        ),
        _check(
            "every fault injected; every lost delivery to payment fell while payment was down",
            e.fault_failures + e.unexplained_redeliveries,
            "all done",
        ),
    ]


def _check(name: str, problems: list[str], good: str) -> Check:
    if not problems:
        return Check(name, True, good)
    more = f" (and {len(problems) - SHOWN} more)" if len(problems) > SHOWN else ""
    return Check(name, False, f"{len(problems)} wrong: " + "; ".join(problems[:SHOWN]) + more)


def _accepted(e: Evidence) -> Check:
    good = f"{len(e.placed):,} accepted; {e.duplicates_sent:,} re-POSTs with the same key got the same order"
    return _check("every order accepted once (retried with its key)", e.client_errors + e.duplicate_mismatches, good)


def _no_order_lost_or_invented(e: Evidence) -> Check:
    problems = [f"{oid} answered 201 but not stored" for oid in e.placed if oid not in e.orders]
    problems += [f"{oid} stored but never answered" for oid in e.orders if oid not in e.placed]
    problems += [
        f"{oid} stored for {row.customer_id}, placed for {e.placed[oid]}"
        for oid, row in e.orders.items()
        if oid in e.placed and e.placed[oid] != row.customer_id
    ]
    return _check("the orders table holds exactly the accepted orders", problems, f"{len(e.orders):,} orders")


def _final(e: Evidence) -> Check:
    statuses = Counter(row.status for row in e.orders.values())
    problems = [f"{oid} {row.status}" for oid, row in e.orders.items() if row.status not in FINAL]
    good = f"{statuses['PAID']:,} PAID, {statuses['PAYMENT_FAILED']:,} PAYMENT_FAILED, 0 pending"
    return _check("every order final", problems, good)


def _charges(e: Evidence) -> Check:
    kept: dict[str, int] = Counter()
    refunded: dict[str, int] = Counter()
    problems = []
    for charge in e.charges:
        order_id = str(charge.get("metadata", {}).get("order_id"))
        if order_id not in e.orders:
            problems.append(f"charge {charge.get('charge_id')} for an unknown order {order_id}")
        (refunded if charge.get("refunded") else kept)[order_id] += 1
    for oid, row in e.orders.items():
        wanted = 1 if row.status == "PAID" else 0
        if kept[oid] != wanted:
            problems.append(f"{oid} {row.status} has {kept[oid]} charges kept")
        if refunded[oid] and "REFUNDED" not in e.payment_statuses.get(oid, []):
            problems.append(f"{oid} has {refunded[oid]} refunded charges no REFUNDED payment explains")
    paid = sum(row.status == "PAID" for row in e.orders.values())
    good = f"{sum(kept.values()):,} charges kept = {paid:,} PAID orders, {sum(refunded.values())} refunded (explained)"
    return _check("the provider's charges = the PAID orders, one each", problems, good)


def _points(name: str, told: dict[str, int], e: Evidence) -> Check:
    wanted = expected_points(e.orders)
    customers = sorted(set(e.placed.values()))
    problems = [
        f"{c} has {told.get(c)} points, expected {wanted.get(c, 0)}"
        for c in customers
        if told.get(c) != wanted.get(c, 0)
    ]
    return _check(name, problems, f"{len(customers):,} customers, {sum(wanted.values()):,} points")


def _events_once(e: Evidence) -> Check:
    by_order: dict[str, Counter[str]] = defaultdict(Counter)
    for event in e.bus_events:
        by_order[event.order_id][event.event_type] += 1
    problems = []
    for oid, row in e.orders.items():
        seen = by_order[oid]
        if seen["order.created"] != 1:
            problems.append(f"{oid}: {seen['order.created']} order.created events")
        outcome = OUTCOME_OF.get(row.status)
        for event_type in OUTCOME_OF.values():
            wanted = 1 if event_type == outcome else 0
            if seen[event_type] != wanted:
                problems.append(f"{oid} {row.status}: {seen[event_type]} {event_type} events")
    good = f"{len(e.bus_events):,} distinct events for {len(e.orders):,} orders"
    return _check("one order.created and one payment outcome per order on the bus (by event id)", problems, good)


def _notifications(e: Evidence) -> Check:
    wanted = {(ev.event_id, "order_confirmed") for ev in e.bus_events if ev.event_type == "order.created"}
    wanted |= {(ev.event_id, "payment_failed") for ev in e.bus_events if ev.event_type == "payment.failed"}
    found = Counter((row.event_id, row.template) for row in e.notifications)
    problems = [f"no {template} for event {event_id}" for event_id, template in sorted(wanted - set(found))]
    problems += [f"{n} x {template} for event {event_id}" for (event_id, template), n in found.items() if n > 1]
    problems += [f"{template} for event {eid}, which needs none" for eid, template in sorted(set(found) - wanted)]
    unknown = 0
    for row in e.notifications:
        if row.status == "UNKNOWN" and e.notifications_interrupted:
            unknown += 1  # at most once: a send cut off by a kill is recorded UNKNOWN, never sent twice
        elif row.status != "SENT":
            problems.append(f"{row.template} for event {row.event_id} is {row.status}")
    good = f"{len(e.notifications):,} notifications, {unknown} UNKNOWN after a kill mid-send (explained)"
    return _check("exactly one notification per event and template", problems, good)


def template_of(text: str) -> str:
    """The template a sent text was rendered from (see shop_notifications.domain.templates), for the report."""
    if "thanks for your order" in text:
        return "order_confirmed"
    if "payment failed" in text:
        return "payment_failed"
    return "other"


def _sent(e: Evidence) -> Check:
    """Each recorded SENT notification was sent once, to its customer's address, with its text; nothing else was.

    A message is identified by (destination, text): the text names the order (#short id) and the template. An UNKNOWN
    record (a kill mid-send) may stand for one message sent or none.
    """
    recorded: Counter[tuple[str, str]] = Counter()
    unknown: Counter[tuple[str, str]] = Counter()
    template: dict[tuple[str, str], str] = {}
    for row in e.notifications:
        key = (e.contacts.get(row.customer_id, f"<no contact for {row.customer_id}>"), row.message)
        template[key] = row.template
        if row.status == "SENT":
            recorded[key] += 1
        elif row.status == "UNKNOWN":
            unknown[key] += 1
    sent = Counter((message.destination, message.text) for message in e.sent)
    problems = []
    for key in sorted(set(recorded) | set(unknown) | set(sent)):
        destination, text = key
        name = template.get(key) or template_of(text)
        low, high = recorded[key], recorded[key] + unknown[key]
        if sent[key] < low:
            problems.append(f"{name} to {destination}: {low} recorded SENT, {sent[key]} sent")
        elif sent[key] > high and high == 0:
            problems.append(f"{name} to {destination}: {sent[key]} sent without a record ({text[:60]!r})")
        elif sent[key] > high:
            problems.append(f"{name} to {destination}: {sent[key]} sent for {high} record(s) (duplicated)")
    by_template = Counter(template_of(message.text) for message in e.sent)
    good = f"{len(e.sent):,} messages sent (" + ", ".join(f"{n:,} {t}" for t, n in sorted(by_template.items())) + ")"
    if unknown:
        left = sum(min(unknown[key], max(0, sent[key] - recorded[key])) for key in unknown)
        good += f"; {left} of {sum(unknown.values())} UNKNOWN had been sent"
    return _check("what SES and SNS sent = the SENT notifications, one message each", problems, good)
