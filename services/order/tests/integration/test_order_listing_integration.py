"""GET /orders?customer_id= against the real process and the by-customer index: pages, order, cursors, and only
the token's own customer."""

from __future__ import annotations

import base64
import json
import uuid
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from shop_devtools.testing.fixtures import StartService

if TYPE_CHECKING:
    from conftest import AuthHeaders

pytestmark = pytest.mark.integration


CONTACT = {"email": "jane@example.com"}


@pytest.fixture(scope="module")
def order_url(start_service_process: StartService, service_ports: dict[str, int]) -> str:
    """This module's order process: it lets one customer place the 25 orders a listing needs in a row."""
    start_service_process("order", extra_env={"ORDER_RATE_LIMIT_ORDERS": "100"})
    return f"http://127.0.0.1:{service_ports['order']}"


def order_body(customer_id: str, index: int) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "currency": "GBP",
        "items": [{"sku": f"SKU-{index}", "quantity": 1, "unit_price": f"{index + 1}.00"}],
        "payment_token": "tok_success",
        "contact": CONTACT,
    }


async def place(order_api: httpx.AsyncClient, signed_in: dict[str, str], customer_id: str, count: int) -> list[str]:
    """`count` orders of the customer (`signed_in` are its headers), one after the other; their ids, oldest first."""
    ids = []
    for index in range(count):
        response = await order_api.post("/orders", json=order_body(customer_id, index), headers=signed_in)
        assert response.status_code == 201, response.text
        ids.append(response.json()["order_id"])
    return ids


async def test_25_orders_come_in_pages_of_10_10_5_newest_first(
    order_api: httpx.AsyncClient, auth_headers: AuthHeaders
) -> None:
    customer_id, other = f"list-{uuid.uuid4().hex}", f"list-{uuid.uuid4().hex}"
    signed_in = auth_headers(customer_id, CONTACT)
    placed = await place(order_api, signed_in, customer_id, 25)
    await place(order_api, auth_headers(other, CONTACT), other, 2)  # another customer's orders stay out

    pages: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(4):  # bounded: a cursor that never ends would fail below, not hang
        params: dict[str, Any] = {"customer_id": customer_id, "limit": 10}
        if cursor is not None:
            params["cursor"] = cursor
        response = await order_api.get("/orders", params=params, headers=signed_in)
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
    assert listed[0] == (await order_api.get(f"/orders/{placed[-1]}", headers=signed_in)).json()


async def test_default_page_is_20_of_the_tokens_customer(
    order_api: httpx.AsyncClient, auth_headers: AuthHeaders
) -> None:
    customer_id = f"list-{uuid.uuid4().hex}"
    signed_in = auth_headers(customer_id, CONTACT)
    await place(order_api, signed_in, customer_id, 21)

    page = (await order_api.get("/orders", headers=signed_in)).json()

    assert len(page["orders"]) == 20 and page["next_cursor"] is not None
    assert {order["customer_id"] for order in page["orders"]} == {customer_id}


async def test_another_customers_orders_are_403_and_their_orders_404(
    order_api: httpx.AsyncClient, auth_headers: AuthHeaders
) -> None:
    owner, intruder = f"list-{uuid.uuid4().hex}", f"list-{uuid.uuid4().hex}"
    [order_id] = await place(order_api, auth_headers(owner, CONTACT), owner, 1)
    as_intruder = auth_headers(intruder)

    listing = await order_api.get("/orders", params={"customer_id": owner}, headers=as_intruder)
    reading = await order_api.get(f"/orders/{order_id}", headers=as_intruder)
    missing = await order_api.get(f"/orders/{uuid.uuid4()}", headers=as_intruder)
    anonymous = await order_api.get("/orders", params={"customer_id": owner})

    assert (listing.status_code, listing.json()["code"]) == (403, "forbidden")
    assert (reading.status_code, reading.json()["detail"]) == (404, missing.json()["detail"])
    assert owner not in listing.text + reading.text
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"] == 'Bearer realm="shop"'


async def test_bad_cursors_and_queries_are_422(order_api: httpx.AsyncClient, auth_headers: AuthHeaders) -> None:
    customer_id = f"list-{uuid.uuid4().hex}"
    signed_in = auth_headers(customer_id, CONTACT)
    await place(order_api, signed_in, customer_id, 3)
    first = (await order_api.get("/orders", params={"customer_id": customer_id, "limit": 1}, headers=signed_in)).json()
    key = json.loads(base64.urlsafe_b64decode(first["next_cursor"] + "=="))
    someone_else = {**key, "customer_id": f"list-{uuid.uuid4().hex}"}
    tampered = base64.urlsafe_b64encode(json.dumps(someone_else).encode()).decode().rstrip("=")

    another = f"list-{uuid.uuid4().hex}"
    for cursor, listed_for in [
        ("%%%", customer_id),
        (first["next_cursor"][:-4], customer_id),
        (tampered, customer_id),  # edited to start in another customer's orders
        (first["next_cursor"], another),  # handed out for another customer's listing
    ]:
        response = await order_api.get(
            "/orders", params={"customer_id": listed_for, "cursor": cursor}, headers=auth_headers(listed_for)
        )
        assert response.status_code == 422, (cursor, response.text)
        assert response.json()["code"] == "invalid_cursor"

    too_many = await order_api.get("/orders", params={"limit": 101}, headers=signed_in)
    assert too_many.status_code == 422
    assert [detail["field"] for detail in too_many.json()["details"]] == ["query.limit"]
