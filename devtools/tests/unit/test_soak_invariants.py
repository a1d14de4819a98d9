"""The soak's invariant checker: consistent evidence passes every line, each kind of inconsistency fails its line."""

from decimal import Decimal

import pytest
from shop_devtools.soak.invariants import (
    EventRow,
    Evidence,
    NotificationRow,
    OrderRow,
    SentMessage,
    check_all,
    expected_points,
    summary,
)

PHONE, EMAIL = "+15550000001", "soak-2@example.com"
TEXT = {
    "e1": "Shop: thanks for your order #o1! Total: 12.99 USD. We'll keep you posted.",
    "e2": "Shop: thanks for your order #o2! Total: 5.00 USD. We'll keep you posted.",
    "e3": "Shop: thanks for your order #o3! Total: 40.00 USD. We'll keep you posted.",
    "p3": "Shop: order #o3 (40.00 USD): payment failed, card declined. Please update your payment details: x.",
}
SENT_LINE = "what SES and SNS sent = the SENT notifications, one message each"


def consistent() -> Evidence:
    """Two customers: o1 paid (12.99 -> 12 points), o2 paid (5.00), o3 declined; everything agrees."""
    orders = {
        "o1": OrderRow("c1", "PAID", Decimal("12.99")),
        "o2": OrderRow("c2", "PAID", Decimal("5.00")),
        "o3": OrderRow("c1", "PAYMENT_FAILED", Decimal("40.00")),
    }
    events = [
        EventRow("e1", "order.created", "o1"),
        EventRow("e2", "order.created", "o2"),
        EventRow("e3", "order.created", "o3"),
        EventRow("p1", "payment.succeeded", "o1"),
        EventRow("p2", "payment.succeeded", "o2"),
        EventRow("p3", "payment.failed", "o3"),
    ]
    notifications = [
        NotificationRow("c1", "e1", "order_confirmed", "SENT", TEXT["e1"]),
        NotificationRow("c2", "e2", "order_confirmed", "SENT", TEXT["e2"]),
        NotificationRow("c1", "e3", "order_confirmed", "SENT", TEXT["e3"]),
        NotificationRow("c1", "p3", "payment_failed", "SENT", TEXT["p3"]),
    ]
    sent = [
        SentMessage(PHONE, TEXT["e1"]),
        SentMessage(EMAIL, TEXT["e2"]),
        SentMessage(PHONE, TEXT["e3"]),
        SentMessage(PHONE, TEXT["p3"]),
    ]
    return Evidence(
        placed={"o1": "c1", "o2": "c2", "o3": "c1"},
        duplicates_sent=1,
        orders=orders,
        charges=[
            {"charge_id": "ch1", "metadata": {"order_id": "o1"}, "refunded": False},
            {"charge_id": "ch2", "metadata": {"order_id": "o2"}, "refunded": False},
        ],
        payment_statuses={"o1": ["SUCCEEDED"], "o2": ["SUCCEEDED"], "o3": ["FAILED"]},
        loyalty_points={"c1": 12, "c2": 5},
        partner_points={"c1": 12, "c2": 5},
        bus_events=events,
        notifications=notifications,
        contacts={"c1": PHONE, "c2": EMAIL},
        sent=sent,
        dlq={"loyalty-order-events": [], "notifications-events": []},
        outbox={"order-outbox": 0, "payment-outbox": 0},
    )


def failed_lines(evidence: Evidence) -> list[str]:
    return [check.name for check in check_all(evidence) if not check.ok]


def test_consistent_evidence_passes_every_invariant() -> None:
    checks = check_all(consistent())
    assert [check.name for check in checks if not check.ok] == []
    assert summary(checks) == f"{len(checks)} passed, 0 failed"


def test_points_are_those_of_paid_orders_only() -> None:
    assert expected_points(consistent().orders) == {"c1": 12, "c2": 5}


def test_a_pending_order_fails_only_the_final_line() -> None:
    evidence = consistent()
    evidence.orders["o2"] = OrderRow("c2", "PENDING_PAYMENT", Decimal("5.00"))
    evidence.loyalty_points["c2"] = evidence.partner_points["c2"] = 0  # keep the other sources consistent
    evidence.charges.pop()
    evidence.bus_events = [e for e in evidence.bus_events if e.event_id != "p2"]
    assert failed_lines(evidence) == ["every order final"]


@pytest.mark.parametrize(
    ("charges", "problem"),
    [
        ([{"charge_id": "ch1", "metadata": {"order_id": "o1"}}], "a PAID order without a charge"),
        (
            [{"charge_id": f"ch{n}", "metadata": {"order_id": oid}} for n, oid in enumerate(["o1", "o1", "o2"])],
            "a double charge",
        ),
        (
            [{"charge_id": f"ch{n}", "metadata": {"order_id": oid}} for n, oid in enumerate(["o1", "o2", "o3"])],
            "a failed order charged",
        ),
        (
            [{"charge_id": f"ch{n}", "metadata": {"order_id": oid}} for n, oid in enumerate(["o1", "o2", "zz"])],
            "a charge for no order",
        ),
        (
            [
                {"charge_id": "ch1", "metadata": {"order_id": "o1"}},
                {"charge_id": "ch2", "metadata": {"order_id": "o2"}},
                {"charge_id": "ch3", "metadata": {"order_id": "o3"}, "refunded": True},
            ],
            "a refund no REFUNDED payment explains",
        ),
    ],
)
def test_charges_that_do_not_match_the_paid_orders_fail(charges: list[dict[str, object]], problem: str) -> None:
    evidence = consistent()
    evidence.charges = charges
    assert failed_lines(evidence) == ["the provider's charges = the PAID orders, one each"], problem


def test_a_refund_explained_by_a_refunded_payment_passes() -> None:
    evidence = consistent()
    evidence.charges.append({"charge_id": "ch3", "metadata": {"order_id": "o3"}, "refunded": True})
    evidence.payment_statuses["o3"] = ["REFUNDED"]
    assert failed_lines(evidence) == []


def test_wrong_points_fail_the_line_of_the_source_that_is_wrong() -> None:
    evidence = consistent()
    evidence.loyalty_points["c1"] = 52  # the declined order's points never reversed
    assert failed_lines(evidence) == ["loyalty points = points of each customer's paid orders"]
    evidence = consistent()
    evidence.partner_points["c2"] = 10  # told twice
    assert failed_lines(evidence) == ["the partner was told the same points (credits less reversals)"]


def test_a_lost_or_invented_order_fails() -> None:
    evidence = consistent()
    evidence.placed["o9"] = "c2"  # answered 201, never stored
    assert "the orders table holds exactly the accepted orders" in failed_lines(evidence)
    evidence = consistent()
    evidence.client_errors.append("order 4: no 201 after 90 attempts")
    evidence.duplicate_mismatches.append("order 2: the re-POST got another answer")
    assert failed_lines(evidence) == ["every order accepted once (retried with its key)"]


def test_an_event_published_twice_with_two_ids_or_never_fails() -> None:
    evidence = consistent()
    evidence.bus_events.append(EventRow("e1-again", "order.created", "o1"))
    evidence.notifications.append(NotificationRow("c1", "e1-again", "order_confirmed", "SENT", TEXT["e1"]))
    evidence.sent.append(SentMessage(PHONE, TEXT["e1"]))  # the second event's confirmation was really sent
    assert failed_lines(evidence) == ["one order.created and one payment outcome per order on the bus (by event id)"]
    evidence = consistent()
    evidence.bus_events = [e for e in evidence.bus_events if e.event_id != "p1"]
    assert failed_lines(evidence) == ["one order.created and one payment outcome per order on the bus (by event id)"]


P2_TEXT = "Shop: order #o2 (5.00 USD): payment failed, card declined. Please update your payment details: x."


@pytest.mark.parametrize(
    ("change", "sent_change"),
    [
        # The records are wrong; what was sent agrees with them, so only the notifications line fails.
        (lambda rows: rows.pop(0), lambda sent: sent.pop(0)),  # a confirmation missing (and never sent)
        (
            lambda rows: rows.append(NotificationRow("c1", "e1", "order_confirmed", "SENT", TEXT["e1"])),
            lambda sent: sent.append(SentMessage(PHONE, TEXT["e1"])),
        ),  # twice
        (
            lambda rows: rows.append(NotificationRow("c2", "p2", "payment_failed", "SENT", P2_TEXT)),
            lambda sent: sent.append(SentMessage(EMAIL, P2_TEXT)),
        ),  # for a paid order
        (
            lambda rows: rows.__setitem__(0, NotificationRow("c1", "e1", "order_confirmed", "FAILED", TEXT["e1"])),
            lambda sent: sent.pop(0),
        ),  # not sent
        (
            lambda rows: rows.__setitem__(0, NotificationRow("c1", "e1", "order_confirmed", "UNKNOWN", TEXT["e1"])),
            lambda sent: None,
        ),  # no kill
    ],
)
def test_notifications_that_are_not_exactly_one_per_event_and_template_fail(change, sent_change) -> None:
    evidence = consistent()
    change(evidence.notifications)
    sent_change(evidence.sent)
    assert failed_lines(evidence) == ["exactly one notification per event and template"]


def test_an_unknown_send_is_explained_only_by_a_notifications_kill() -> None:
    evidence = consistent()
    evidence.notifications[0] = NotificationRow("c1", "e1", "order_confirmed", "UNKNOWN", TEXT["e1"])
    evidence.notifications_interrupted = True
    assert failed_lines(evidence) == []


def test_dlq_messages_outbox_leftovers_and_fault_failures_fail_their_lines() -> None:
    evidence = consistent()
    evidence.dlq["notifications-events"] = ['{"detail": ...}']
    evidence.outbox["payment-outbox"] = 2
    evidence.unexplained_redeliveries.append("order.created of o1 never reached payment while it was up")
    checks = check_all(evidence)
    assert summary(checks) == f"{len(checks) - 3} passed, 3 failed"
    assert [check.name for check in checks if not check.ok] == [
        "no message in any DLQ",
        "no event left in an outbox",
        "every fault injected; every lost delivery to payment fell while payment was down",
    ]
    assert all(check.line().startswith("FAIL") for check in checks if not check.ok)


def test_a_message_sent_twice_fails_only_the_sent_line() -> None:
    evidence = consistent()
    evidence.sent.append(SentMessage(PHONE, TEXT["e1"]))
    assert failed_lines(evidence) == [SENT_LINE]
    [check] = [check for check in check_all(evidence) if check.name == SENT_LINE]
    assert f"order_confirmed to {PHONE}: 2 sent for 1 record(s) (duplicated)" in check.detail


def test_a_recorded_send_that_never_left_fails_the_sent_line() -> None:
    evidence = consistent()
    evidence.sent.remove(SentMessage(EMAIL, TEXT["e2"]))
    assert failed_lines(evidence) == [SENT_LINE]
    [check] = [check for check in check_all(evidence) if check.name == SENT_LINE]
    assert f"order_confirmed to {EMAIL}: 1 recorded SENT, 0 sent" in check.detail


@pytest.mark.parametrize(
    "stray",
    [
        SentMessage(PHONE, "Shop: thanks for your order #o9! We'll keep you posted."),  # no record at all
        SentMessage(EMAIL, TEXT["e1"]),  # c1's text to another customer's address
    ],
)
def test_a_message_sent_without_a_record_fails_the_sent_line(stray: SentMessage) -> None:
    evidence = consistent()
    evidence.sent.append(stray)
    assert failed_lines(evidence) == [SENT_LINE]
    [check] = [check for check in check_all(evidence) if check.name == SENT_LINE]
    assert "sent without a record" in check.detail


def test_an_unknown_send_may_have_left_once_or_not_at_all() -> None:
    for sent_copies in (0, 1):
        evidence = consistent()
        evidence.notifications[0] = NotificationRow("c1", "e1", "order_confirmed", "UNKNOWN", TEXT["e1"])
        evidence.notifications_interrupted = True
        evidence.sent = [m for m in evidence.sent if m.text != TEXT["e1"]] + [
            SentMessage(PHONE, TEXT["e1"])
        ] * sent_copies
        assert failed_lines(evidence) == []
        [check] = [check for check in check_all(evidence) if check.name == SENT_LINE]
        assert check.detail.endswith(f"; {sent_copies} of 1 UNKNOWN had been sent")
    evidence.sent.append(SentMessage(PHONE, TEXT["e1"]))
    assert failed_lines(evidence) == [SENT_LINE]


def test_the_sent_line_counts_the_messages_by_template() -> None:
    [check] = [check for check in check_all(consistent()) if check.name == SENT_LINE]
    assert check.detail == "4 messages sent (3 order_confirmed, 1 payment_failed)"
