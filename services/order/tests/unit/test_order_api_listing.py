"""GET /orders?customer_id=: the token's customer's orders newest first, page by page, with fakes behind it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from shop_devtools.testing.problems import problem_of
from shop_order.bootstrap import OrderContainer
from shop_order.domain import PlaceOrder
from shop_order.handlers import Render, place_order

from tests.fakes.order_rate_limits import default_rate_limiting

if TYPE_CHECKING:
    from conftest import ClientFor, InMemoryOrderRepository, RecordingPublisher, ReversibleContactEncryption

T0 = datetime(2025, 11, 28, 9, 30, tzinfo=UTC)


@pytest.fixture
async def placed_ids(
    order_body: dict[str, Any],
    repository: InMemoryOrderRepository,
    encryption: ReversibleContactEncryption,
    publisher: RecordingPublisher,
    render: Render,
) -> list[str]:
    """Seven orders of c-123 (one second apart, oldest first) and one of another customer."""
    ids = []
    for index, customer in enumerate(["c-123"] * 7 + ["c-other"]):
        placed = await place_order(
            PlaceOrder.model_validate({**order_body, "customer_id": customer}),
            repository=repository,
            contact_encryption=encryption,
            render=render,
            rate_limiting=default_rate_limiting(),
            clock=lambda index=index: T0 + timedelta(seconds=index),  # type: ignore[misc]
        )
        ids.append(placed.order_id)
    return ids[:7]


async def test_pages_go_newest_first_until_no_cursor(api: httpx.AsyncClient, placed_ids: list[str]) -> None:
    pages: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"customer_id": "c-123", "limit": 3}
        if cursor:
            params["cursor"] = cursor
        response = await api.get("/orders", params=params)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        cursor = pages[-1]["next_cursor"]
        if cursor is None:
            break

    assert [len(page["orders"]) for page in pages] == [3, 3, 1]
    listed = [order["order_id"] for page in pages for order in page["orders"]]
    assert listed == list(reversed(placed_ids))
    assert set(pages[0]["orders"][0]) == {
        "order_id", "customer_id", "status", "currency", "total", "items", "created_at", "updated_at", "status_history"
    }  # fmt: skip


async def test_default_limit_is_20_and_a_customer_without_orders_gets_an_empty_page(
    api: httpx.AsyncClient, placed_ids: list[str], client_for: ClientFor, fake_services: OrderContainer
) -> None:
    mine = await api.get("/orders", params={"customer_id": "c-123"})
    async with client_for(fake_services, as_customer="c-nobody") as nobody_client:
        nobody = await nobody_client.get("/orders", params={"customer_id": "c-nobody"})

    assert len(mine.json()["orders"]) == 7 and mine.json()["next_cursor"] is None
    assert nobody.status_code == 200 and nobody.json() == {"orders": [], "next_cursor": None}


async def test_without_customer_id_the_tokens_customer_is_listed(api: httpx.AsyncClient, placed_ids: list[str]) -> None:
    response = await api.get("/orders")

    assert [order["order_id"] for order in response.json()["orders"]] == list(reversed(placed_ids))


async def test_another_customers_orders_are_403_and_not_listed(api: httpx.AsyncClient, placed_ids: list[str]) -> None:
    response = await api.get("/orders", params={"customer_id": "c-other"})

    problem = problem_of(response, 403, "forbidden")
    assert "c-other" not in response.text and problem["detail"] == "The token's subject is another customer."


async def test_listing_without_a_token_is_401(client_for: ClientFor, fake_services: OrderContainer) -> None:
    async with client_for(fake_services, as_customer=None) as anonymous:
        response = await anonymous.get("/orders", params={"customer_id": "c-123"})

    problem_of(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="shop"'


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"customer_id": ""}, "query.customer_id"),
        ({"customer_id": "c 1"}, "query.customer_id"),
        ({"customer_id": "c-123", "limit": 0}, "query.limit"),
        ({"customer_id": "c-123", "limit": 101}, "query.limit"),
        ({"customer_id": "c-123", "limit": "ten"}, "query.limit"),
    ],
)
async def test_invalid_query_is_422(api: httpx.AsyncClient, params: dict[str, Any], field: str) -> None:
    response = await api.get("/orders", params=params)

    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert [detail["field"] for detail in problem["details"]] == [field]


async def test_cursor_of_another_customer_is_invalid_cursor(
    api: httpx.AsyncClient, placed_ids: list[str], client_for: ClientFor, fake_services: OrderContainer
) -> None:
    first = (await api.get("/orders", params={"customer_id": "c-123", "limit": 2})).json()

    async with client_for(fake_services, as_customer="c-other") as other:
        response = await other.get("/orders", params={"cursor": first["next_cursor"]})

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_cursor"


async def test_unavailable_table_is_503(api: httpx.AsyncClient, repository: InMemoryOrderRepository) -> None:
    repository.unavailable = True

    response = await api.get("/orders", params={"customer_id": "c-123"})

    assert response.status_code == 503 and response.json()["code"] == "unavailable"
