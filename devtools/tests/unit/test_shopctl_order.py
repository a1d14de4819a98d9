"""shopctl order: one order's story assembled from plain records, read through a fake of the AWS boundary."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import pytest
from rich.console import Console
from shop_devtools.shopctl.aws import ShopAws
from shop_devtools.shopctl.exceptions import OrderNotFound
from shop_devtools.shopctl.names import ShopNames
from shop_devtools.shopctl.order import collect_story
from shop_devtools.shopctl.order_facts import OrderStory
from shop_devtools.shopctl.order_view import show_order_story
from shop_payment.domain import outcome_event_id, payment_id_for
from shop_shared.topology import load_topology

NAMES = ShopNames(load_topology(), "shop-")
ORDER_ID = "5f2d0c7e-1b3a-4c5d-8e9f-0a1b2c3d4e5f"
CUSTOMER = "c-42"
CREATED_EVENT = "0b6c1e52-7d1a-4f0e-9a47-3f5c2e8d9b10"
PAYMENT_ID = payment_id_for(uuid.UUID(CREATED_EVENT))
FAILED_EVENT = str(outcome_event_id(PAYMENT_ID))
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
# What the tables hold besides the facts shown: none of it may reach the output.
PHONE, EMAIL, TOKEN = "+15555550100", "jane@example.com", "tok_declined"
SECRETS = [PHONE, "5555550100", EMAIL, TOKEN, "Y2lwaGVydGV4dA==", "+1******0100", "thanks for your order"]


def order_record(*, failed: bool = True, keeps_event_id: bool = True) -> dict[str, Any]:
    history = [{"status": "PENDING_PAYMENT", "at": "2026-05-01T10:00:00.000000Z"}]
    if failed:
        history.append({"status": "PAYMENT_FAILED", "at": "2026-05-01T10:00:02.000000Z"})
    return {
        "order_id": ORDER_ID,
        "customer_id": CUSTOMER,
        "currency": "USD",
        "total": "19.99",
        "status": history[-1]["status"],
        "created_at": "2026-05-01T10:00:00.000000Z",
        "updated_at": history[-1]["at"],
        "status_history": history,
        "contact_ciphertext": "Y2lwaGVydGV4dA==",
        "items": [{"sku": "SKU-1", "quantity": 1, "unit_price": "19.99", "line_total": "19.99"}],
    } | ({"created_event_id": CREATED_EVENT} if keeps_event_id else {})


def payment_record(**changes: Any) -> dict[str, Any]:
    record = {
        "payment_id": PAYMENT_ID,
        "order_id": ORDER_ID,
        "customer_id": CUSTOMER,
        "amount": "19.99",
        "currency": "USD",
        "payment_token": TOKEN,
        "status": "FAILED",
        "reason_code": "card_declined",
        "attempts": 0,
        "event_id": CREATED_EVENT,
        "created_at": "2026-05-01T10:00:00.500000+00:00",
        "updated_at": "2026-05-01T10:00:01.000000+00:00",
        "traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01",
    }
    return record | changes


def credit(**changes: Any) -> dict[str, Any]:
    record = {
        "order_id": ORDER_ID,
        "kind": "credit",
        "points": 19,
        "month": "2026-05",
        "credited_at": "2026-05-01T10:00:00.800000+00:00",
        "event_id": CREATED_EVENT,
    }
    return record | changes


def reversal(*, credited: bool = True) -> dict[str, Any]:
    return {
        "order_id": f"{ORDER_ID}#reversal",
        "kind": "reversal",
        "points": 19 if credited else 0,
        "month": "2026-05",
        "credited": credited,
        "reversed_at": "2026-05-01T10:00:03.000000+00:00",
        "event_id": FAILED_EVENT,
    }


def notification(event_id: str, event_type: str, template: str, message: str, sent_at: str) -> dict[str, Any]:
    return {
        "customer_id": CUSTOMER,
        "notification_id": f"{event_id}:{template}",
        "event_id": event_id,
        "event_type": event_type,
        "template": template,
        "channel": "sms",
        "masked_destination": "+1******0100",
        "message": message,
        "status": "SENT",
        "attempts": 1,
        "created_at": sent_at,
        "claimed_at": sent_at,
        "sent_at": sent_at,
        "error": f"an earlier attempt to {PHONE} ({EMAIL}) failed",  # were a field ever to quote an address
    }


REF = "#5F2D0C7E"  # how the texts name the order
CONFIRMED = notification(
    CREATED_EVENT,
    "order.created",
    "order_confirmed",
    f"Shop: thanks for your order {REF}!",
    "2026-05-01T10:00:01.500000Z",
)
PAYMENT_FAILED = notification(
    FAILED_EVENT,
    "payment.failed",
    "payment_failed",
    f"Shop: order {REF}: payment failed",
    "2026-05-01T10:00:04.000000Z",
)


class FakeTables:
    """The four tables, unprojected (as stored); the notifications Query filters like DynamoDB would."""

    def __init__(self) -> None:
        self.orders: dict[str, dict[str, Any]] = {ORDER_ID: order_record()}
        self.ledger: list[dict[str, Any]] = [credit(), reversal()]
        self.payments: dict[str, dict[str, Any]] = {PAYMENT_ID: payment_record()}
        self.notifications: list[dict[str, Any]] = [CONFIRMED, PAYMENT_FAILED]
        self.payment_reads: list[str] = []

    def order_record(self, table: str, order_id: str) -> dict[str, Any] | None:
        assert table == "shop-orders"
        return self.orders.get(order_id)

    def ledger_entries(self, table: str, order_id: str) -> list[dict[str, Any]]:
        assert table == "shop-loyalty-ledger"
        return [entry for entry in self.ledger if entry["order_id"] in {order_id, f"{order_id}#reversal"}]

    def payment_record(self, table: str, payment_id: str) -> dict[str, Any] | None:
        assert table == "shop-payments"
        self.payment_reads.append(payment_id)
        return self.payments.get(payment_id)

    def order_notifications(self, table: str, customer_id: str, *, event_ids: list[str]) -> list[dict[str, Any]]:
        assert table == "shop-notifications"
        return [
            item for item in self.notifications if item["customer_id"] == customer_id and item["event_id"] in event_ids
        ]


def rendered(story: OrderStory) -> str:
    buffer = io.StringIO()
    show_order_story(Console(file=buffer, width=240, no_color=True), story)
    return buffer.getvalue()


def test_a_declined_order_tells_its_whole_story_in_time_order() -> None:
    story = collect_story(FakeTables(), NAMES, ORDER_ID)
    assert [change.status for change in story.order.status_history] == ["PENDING_PAYMENT", "PAYMENT_FAILED"]
    assert story.payment is not None
    assert (story.payment.payment_id, story.payment.status, story.payment.reason_code) == (
        PAYMENT_ID,
        "FAILED",
        "card_declined",
    )
    assert story.payment_lookup == f"found by the order.created event id {CREATED_EVENT}, kept by the order"
    assert [(entry.kind, entry.points) for entry in story.loyalty] == [("credit", 19), ("reversal", 19)]
    assert [note.template for note in story.notifications] == ["order_confirmed", "payment_failed"]
    assert story.trace_id == TRACE_ID and story.trace_hint == f"make -s trace ORDER={ORDER_ID}"
    assert [(entry.source, entry.what) for entry in story.timeline] == [
        ("order", "placed"),
        ("payment", "accepted"),
        ("loyalty", "19 points credited"),
        ("payment", "FAILED"),
        ("notifications", "order_confirmed SENT"),
        ("order", "payment outcome recorded"),
        ("loyalty", "19 points taken back"),
        ("notifications", "payment_failed SENT"),
    ]
    moments = [entry.at for entry in story.timeline if entry.at is not None]
    assert len(moments) == len(story.timeline) and moments == sorted(moments)


def test_the_json_holds_the_same_facts_and_the_human_output_names_them() -> None:
    story = collect_story(FakeTables(), NAMES, ORDER_ID)
    facts = json.loads(json.dumps(story.as_json()))
    assert facts["order"]["status"] == "PAYMENT_FAILED" and facts["order"]["total"] == "19.99"
    assert facts["payment"]["reason_code"] == "card_declined"
    assert facts["trace_id"] == TRACE_ID
    assert facts["timeline"][0]["at"] == "2026-05-01T10:00:00+00:00"
    text = rendered(story)
    for expected in ("PAYMENT_FAILED", "card_declined", "19 points credited", "19 points taken back"):
        assert expected in text
    assert "payment_failed SENT" in text and TRACE_ID in text and f"make -s trace ORDER={ORDER_ID}" in text


def test_no_token_contact_or_message_text_reaches_the_output() -> None:
    story = collect_story(FakeTables(), NAMES, ORDER_ID)
    for output in (json.dumps(story.as_json()), rendered(story)):
        for secret in SECRETS:
            assert secret not in output


def test_the_reads_never_ask_for_a_token_a_contact_or_a_message_text() -> None:
    asked = {*ShopAws.ORDER_FIELDS, *ShopAws.PAYMENT_FIELDS, *ShopAws.LEDGER_FIELDS, *ShopAws.NOTIFICATION_FIELDS}
    assert not asked & {"payment_token", "contact_ciphertext", "masked_destination", "message", "error", "contact"}


def test_an_unknown_order_is_a_clear_error() -> None:
    with pytest.raises(OrderNotFound, match="no order 'nope' in shop-orders"):
        collect_story(FakeTables(), NAMES, "nope")


def test_an_order_nobody_has_handled_yet_says_what_is_missing_and_scans_nothing() -> None:
    tables = FakeTables()
    tables.orders[ORDER_ID] = order_record(failed=False, keeps_event_id=False)  # stored before orders kept it
    tables.ledger, tables.payments, tables.notifications = [], {}, []
    story = collect_story(tables, NAMES, ORDER_ID)
    assert story.payment is None and tables.payment_reads == []
    assert "never scans the payments table" in story.payment_lookup
    assert story.loyalty == [] and story.notifications == [] and story.trace_id is None
    assert [(entry.source, entry.what) for entry in story.timeline] == [("order", "placed")]
    text = rendered(story)
    assert "no ledger entry" in text and "none for this order yet" in text and "trace: none recorded" in text


def test_an_order_stored_before_it_kept_the_event_id_finds_its_payment_through_the_ledger() -> None:
    tables = FakeTables()
    tables.orders[ORDER_ID] = order_record(keeps_event_id=False)
    story = collect_story(tables, NAMES, ORDER_ID)
    assert tables.payment_reads == [PAYMENT_ID]
    assert story.payment is not None and "kept by loyalty's ledger" in story.payment_lookup
    assert [note.template for note in story.notifications] == ["order_confirmed", "payment_failed"]


def test_a_reversal_before_any_credit_is_told_as_such() -> None:
    tables = FakeTables()
    tables.ledger = [reversal(credited=False)]  # the payment failed before loyalty saw the order
    story = collect_story(tables, NAMES, ORDER_ID)
    assert ("loyalty", "reversal before any credit") in [(entry.source, entry.what) for entry in story.timeline]


def test_a_payment_of_another_order_is_not_shown() -> None:
    tables = FakeTables()
    tables.payments[PAYMENT_ID] = payment_record(order_id="another-order")
    story = collect_story(tables, NAMES, ORDER_ID)
    assert story.payment is None and "belongs to order another-order" in story.payment_lookup


def test_an_unknown_outcome_shows_its_reconciliation() -> None:
    tables = FakeTables()
    tables.orders[ORDER_ID] = order_record(failed=False)
    tables.ledger = [credit()]
    tables.payments[PAYMENT_ID] = payment_record(
        status="UNKNOWN",
        reason_code=None,
        attempts=2,
        unknown_since="2026-05-01T10:00:01+00:00",
        due_at="2026-05-01T10:00:21.000000Z",
    )
    story = collect_story(tables, NAMES, ORDER_ID)
    steps = [(entry.source, entry.what) for entry in story.timeline if entry.source == "payment"]
    assert steps == [("payment", "accepted"), ("payment", "charge outcome UNKNOWN"), ("payment", "next step due")]
    assert "outcome UNKNOWN since 2026-05-01 10:00:01.000 (reconciliation)" in rendered(story)


def test_the_story_reads_tables_of_the_topology() -> None:
    tables = [NAMES.orders_table(), NAMES.ledger_table(), NAMES.payments_table(), NAMES.notifications_table()]
    assert all(table.removeprefix("shop-") in NAMES.topology.tables for table in tables)
