"""GET /orders?customer_id= against the real process and the by-customer index: pages, order, cursors."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.integration


def order_body(customer_id: str, index: int) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "currency": "GBP",
        "items": [{"sku": f"SKU-{index}", "quantity": 1, "unit_price": f"{index + 1}.00"}],
        "payment_token": "tok_success",
        "contact": {"email": "jane@example.com"},
    }


async def place(order_api: httpx.AsyncClient, customer_id: str, count: int) -> list[str]:
    """`count` orders of the customer, placed one after the other; their ids, oldest first."""
    ids = []
    for index in range(count):
        response = await order_api.post("/orders", json=order_body(customer_id, index))
        assert response.status_code == 201, response.text
        ids.append(response.json()["order_id"])
    return ids


async def test_25_orders_come_in_pages_of_10_10_5_newest_first(order_api: httpx.AsyncClient) -> None:
    customer_id = f"list-{uuid.uuid4().hex}"
    placed = await place(order_api, customer_id, 25)
    await place(order_api, f"list-{uuid.uuid4().hex}", 2)  # another customer's orders stay out

    pages: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(4):  # bounded: a cursor that never ends would fail below, not hang
        params: dict[str, Any] = {"customer_id": customer_id, "limit": 10}
        if cursor is not None:
            params["cursor"] = cursor
        response = await order_api.get("/orders", params=params)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        cursor = pages[-1]["next_cursor"]
        if cursor is None:
            break

    assert [len(page["orders"]) for page in pages] == [10, 10, 5]
    assert pages[-1]["next_cursor"] is None
    listed = [order for page in pages for order in page["orders"]]
    assert len({order["order_id"] for order in listed}) == 25
    assert [order["order_id"] for order in listed] == list(reversed(placed))
    created = [order["created_at"] for order in listed]
    assert created == sorted(created, reverse=True)
    assert {order["customer_id"] for order in listed} == {customer_id}
    assert listed[0] == (await order_api.get(f"/orders/{placed[-1]}")).json()


async def test_default_page_is_20(order_api: httpx.AsyncClient) -> None:
    customer_id = f"list-{uuid.uuid4().hex}"
    await place(order_api, customer_id, 21)

    page = (await order_api.get("/orders", params={"customer_id": customer_id})).json()

    assert len(page["orders"]) == 20 and page["next_cursor"] is not None


async def test_bad_cursors_and_queries_are_422(order_api: httpx.AsyncClient) -> None:
    customer_id = f"list-{uuid.uuid4().hex}"
    await place(order_api, customer_id, 3)
    first = (await order_api.get("/orders", params={"customer_id": customer_id, "limit": 1})).json()
    key = json.loads(base64.urlsafe_b64decode(first["next_cursor"] + "=="))
    someone_else = {**key, "customer_id": f"list-{uuid.uuid4().hex}"}
    tampered = base64.urlsafe_b64encode(json.dumps(someone_else).encode()).decode().rstrip("=")

    for cursor, listed_for in [
        ("%%%", customer_id),
        (first["next_cursor"][:-4], customer_id),
        (tampered, customer_id),  # edited to start in another customer's orders
        (first["next_cursor"], f"list-{uuid.uuid4().hex}"),
    ]:
        response = await order_api.get("/orders", params={"customer_id": listed_for, "cursor": cursor})
        assert response.status_code == 422, (cursor, response.text)
        assert response.json()["code"] == "invalid_cursor"

    missing = await order_api.get("/orders", params={"limit": 10})
    assert missing.status_code == 422
    assert [detail["field"] for detail in missing.json()["details"]] == ["query.customer_id"]
