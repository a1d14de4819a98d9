"""How an order is laid out in DynamoDB: money as exact strings, never floats or numbers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shop_order.adapters.order_repository import order_from_item, order_to_item
from shop_order.domain import Order, OrderStatus, PlaceOrder

T0 = datetime(2025, 11, 28, 9, 30, tzinfo=UTC)


def test_order_item_round_trips_with_money_as_strings(order_body: dict[str, Any]) -> None:
    order = Order.place(PlaceOrder.model_validate(order_body), order_id="o-1", contact_ciphertext="c2Vh", at=T0)
    order = order.record_payment_outcome(OrderStatus.PAID, T0)

    item = order_to_item(order)

    assert item["total"] == {"S": "44.98"}
    assert item["items"]["L"][0]["M"]["unit_price"] == {"S": "19.99"}
    assert item["items"]["L"][0]["M"]["line_total"] == {"S": "39.98"}
    assert item["items"]["L"][0]["M"]["quantity"] == {"N": "2"}
    assert item["contact_ciphertext"] == {"S": "c2Vh"}
    assert "+15555550100" not in str(item) and "tok_success" not in str(item)
    assert order_from_item(item) == order
