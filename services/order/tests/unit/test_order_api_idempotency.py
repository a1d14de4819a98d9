"""The Idempotency-Key header of POST /orders through the HTTP API, with fakes behind it."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import httpx
import pytest

if TYPE_CHECKING:
    from conftest import InMemoryOrderRepository, RecordingPublisher

KEY = "checkout-7f3a:attempt.1_x-y"


async def test_retry_gets_the_original_answer_marked_as_replayed(
    api: httpx.AsyncClient,
    order_body: dict[str, Any],
    repository: InMemoryOrderRepository,
    publisher: RecordingPublisher,
) -> None:
    first = await api.post("/orders", json=order_body, headers={"Idempotency-Key": KEY})
    # The same order, written differently: compact JSON, another key order, a price as a number.
    reformatted = {**dict(reversed(list(order_body.items()))), "items": [*order_body["items"]]}
    reformatted["items"][0] = {**reformatted["items"][0], "unit_price": 19.99}
    retry = await api.post(
        "/orders",
        content=json.dumps(reformatted, separators=(",", ":")),
        headers={"Idempotency-Key": KEY, "Content-Type": "application/json"},
    )

    assert first.status_code == retry.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.content == first.content
    assert retry.headers["Location"] == first.headers["Location"] == f"/orders/{first.json()['order_id']}"
    assert len(repository.orders) == 1 and len(publisher.published) == 1


async def test_same_key_with_another_body_is_422_and_stores_nothing(
    api: httpx.AsyncClient,
    order_body: dict[str, Any],
    repository: InMemoryOrderRepository,
    publisher: RecordingPublisher,
) -> None:
    first = await api.post("/orders", json=order_body, headers={"Idempotency-Key": KEY})

    other = await api.post("/orders", json={**order_body, "currency": "EUR"}, headers={"Idempotency-Key": KEY})

    assert first.status_code == 201
    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    problem = other.json()
    assert (problem["status"], problem["code"]) == (422, "idempotency_key_reused")
    assert "different request" in problem["detail"] and problem["details"] == []
    assert list(repository.orders) == [first.json()["order_id"]] and len(publisher.published) == 1


async def test_different_keys_make_different_orders(api: httpx.AsyncClient, order_body: dict[str, Any]) -> None:
    first = await api.post("/orders", json=order_body, headers={"Idempotency-Key": "key-1"})
    second = await api.post("/orders", json=order_body, headers={"Idempotency-Key": "key-2"})

    assert first.json()["order_id"] != second.json()["order_id"]


@pytest.mark.parametrize("key", ["", "x" * 129, "has space", "slash/key", "ключ"])
async def test_malformed_key_is_422_and_stores_nothing(
    api: httpx.AsyncClient, order_body: dict[str, Any], repository: InMemoryOrderRepository, key: str
) -> None:
    response = await api.post("/orders", json=order_body, headers={b"Idempotency-Key": key.encode("utf-8")})

    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert [detail["field"] for detail in problem["details"]] == ["header.Idempotency-Key"]
    assert repository.orders == {}


@pytest.mark.parametrize("key", ["a", "x" * 128, "A-Z.a_z:0-9"])
async def test_key_bounds_are_accepted(api: httpx.AsyncClient, order_body: dict[str, Any], key: str) -> None:
    response = await api.post("/orders", json=order_body, headers={"Idempotency-Key": key})

    assert response.status_code == 201
