"""GET /orders?customer_id=: a customer's orders newest first, page by page, with fakes behind it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from shop_order.domain import PlaceOrder
from shop_order.handlers import Render, place_order

if TYPE_CHECKING:
    from conftest import InMemoryOrderRepository, RecordingPublisher, ReversibleContactEncryption

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


async def test_default_limit_is_20_and_unknown_customer_gets_an_empty_page(
    api: httpx.AsyncClient, placed_ids: list[str]
) -> None:
    mine = await api.get("/orders", params={"customer_id": "c-123"})
    nobody = await api.get("/orders", params={"customer_id": "c-nobody"})

    assert len(mine.json()["orders"]) == 7 and mine.json()["next_cursor"] is None
    assert nobody.status_code == 200 and nobody.json() == {"orders": [], "next_cursor": None}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "query.customer_id"),
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


async def test_cursor_of_another_customer_is_invalid_cursor(api: httpx.AsyncClient, placed_ids: list[str]) -> None:
    first = (await api.get("/orders", params={"customer_id": "c-123", "limit": 2})).json()

    response = await api.get("/orders", params={"customer_id": "c-other", "cursor": first["next_cursor"]})

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_cursor"


async def test_unavailable_table_is_503(api: httpx.AsyncClient, repository: InMemoryOrderRepository) -> None:
    repository.unavailable = True

    response = await api.get("/orders", params={"customer_id": "c-123"})

    assert response.status_code == 503 and response.json()["code"] == "unavailable"
