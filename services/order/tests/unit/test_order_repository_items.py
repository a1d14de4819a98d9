"""How orders, idempotency records and page cursors are laid out for DynamoDB (no AWS needed)."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from shop_order.adapters.idempotency_records import DynamoDbIdempotencyRecords, record_from_item, record_to_item
from shop_order.adapters.order_items import customer_index_key, order_from_item, order_to_item, sortable_time
from shop_order.adapters.page_cursor import decode_cursor, encode_cursor
from shop_order.domain import IdempotencyRecord, Order, OrderStatus, PlaceOrder, StoredResponse
from shop_order.exceptions import InvalidCursor

T0 = datetime(2025, 11, 28, 9, 30, tzinfo=UTC)
ORDER_ID = "3f0c2a4e-8b7d-4c1e-9a55-2d6f0e1b7c90"


def test_order_item_round_trips_with_money_as_strings(order_body: dict[str, Any]) -> None:
    order = Order.place(
        PlaceOrder.model_validate(order_body),
        order_id="o-1",
        created_event_id=uuid.uuid4(),
        contact_ciphertext="c2Vh",
        at=T0,
    )
    order = order.record_payment_outcome(OrderStatus.PAID, T0)

    item = order_to_item(order)

    assert item["total"] == {"S": "44.98"}
    assert item["items"]["L"][0]["M"]["unit_price"] == {"S": "19.99"}
    assert item["items"]["L"][0]["M"]["line_total"] == {"S": "39.98"}
    assert item["items"]["L"][0]["M"]["quantity"] == {"N": "2"}
    assert item["contact_ciphertext"] == {"S": "c2Vh"}
    assert "+15555550100" not in str(item) and "tok_success" not in str(item)
    assert order_from_item(item) == order


def test_created_at_is_stored_fixed_width_in_utc_so_strings_sort_like_instants(order_body: dict[str, Any]) -> None:
    whole_second = T0
    later_by_half = T0 + timedelta(microseconds=500_000)
    in_paris = datetime(2025, 11, 28, 10, 30, 0, 1, tzinfo=timezone(timedelta(hours=1)))  # T0 + 1 us
    command = PlaceOrder.model_validate(order_body)
    stored = [
        order_to_item(
            Order.place(
                command, order_id=str(uuid.uuid4()), created_event_id=uuid.uuid4(), contact_ciphertext="x", at=at
            )
        )["created_at"]["S"]
        for at in (whole_second, later_by_half, in_paris)
    ]

    assert stored == ["2025-11-28T09:30:00.000000Z", "2025-11-28T09:30:00.500000Z", "2025-11-28T09:30:00.000001Z"]
    assert sorted(stored) == [stored[0], stored[2], stored[1]]
    assert sortable_time(in_paris) == stored[2]


def test_index_key_and_cursor_round_trip(order_body: dict[str, Any]) -> None:
    order = Order.place(
        PlaceOrder.model_validate(order_body),
        order_id=ORDER_ID,
        created_event_id=uuid.uuid4(),
        contact_ciphertext="x",
        at=T0,
    )
    key = customer_index_key(order_to_item(order))

    cursor = encode_cursor(key)

    assert key == {"customer_id": "c-123", "created_at": "2025-11-28T09:30:00.000000Z", "order_id": ORDER_ID}
    assert "=" not in cursor and "+" not in cursor and "/" not in cursor
    assert decode_cursor(cursor, customer_id="c-123") == key


def _cursor(payload: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


GOOD_KEY = {"customer_id": "c-123", "created_at": "2025-11-28T09:30:00.000000Z", "order_id": ORDER_ID}


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64!",
        "abc",  # bad padding length
        "x" * 600,
        _cursor(GOOD_KEY)[:-3],  # truncated
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),  # not UTF-8
        _cursor("a string"),
        _cursor([GOOD_KEY]),
        _cursor({**GOOD_KEY, "customer_id": "c-456"}),  # another customer's listing
        _cursor({**GOOD_KEY, "extra": "x"}),
        _cursor({k: v for k, v in GOOD_KEY.items() if k != "order_id"}),
        _cursor({**GOOD_KEY, "created_at": "2025-11-28T09:30:00Z"}),
        _cursor({**GOOD_KEY, "created_at": 12}),
        _cursor({**GOOD_KEY, "order_id": "not-a-uuid"}),
        _cursor({**GOOD_KEY, "order_id": ORDER_ID.upper()}),
    ],
)
def test_malformed_or_altered_cursor_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, customer_id="c-123")


def test_idempotency_record_item_round_trips_with_a_numeric_ttl() -> None:
    record = IdempotencyRecord.bind(
        "key-1",
        request_hash="a" * 64,
        order_id=ORDER_ID,
        response=StoredResponse(status=201, body='{"order_id":"x"}'),
        at=T0,
        ttl=timedelta(hours=24),
    )

    item = record_to_item(record)

    assert item["expires_at"] == {"N": str(int(T0.timestamp()) + 86_400)}
    assert item["response_status"] == {"N": "201"}
    assert record_from_item(item) == record


def test_idempotency_put_is_conditional_on_a_free_or_expired_key() -> None:
    record = IdempotencyRecord.bind(
        "key-1", request_hash="a" * 64, order_id=ORDER_ID, response=StoredResponse(status=201, body="{}"), at=T0,
        ttl=timedelta(hours=1),
    )  # fmt: skip

    put = DynamoDbIdempotencyRecords(None, "idempotency").put_entry(record)["Put"]

    assert put["TableName"] == "idempotency"
    assert put["ConditionExpression"] == "attribute_not_exists(idempotency_key) OR expires_at < :now"
    assert put["ExpressionAttributeValues"] == {":now": {"N": str(int(T0.timestamp()))}}
