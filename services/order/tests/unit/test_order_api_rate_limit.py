"""POST /orders over the per-customer rate limit: 429 `rate_limited` with Retry-After, nothing stored, and the
OpenAPI document saying so."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx
from shop_order.bootstrap import OrderContainer

if TYPE_CHECKING:
    from conftest import ClientFor, InMemoryOrderRepository, RecordingPublisher

NOW = datetime(2025, 11, 28, 9, 30, 42, 300_000, tzinfo=UTC)


async def test_the_eleventh_order_in_a_minute_is_429_with_retry_after(
    client_for: ClientFor,
    fake_services: OrderContainer,
    order_body: dict[str, Any],
    repository: InMemoryOrderRepository,
    publisher: RecordingPublisher,
) -> None:
    fake_services.clock = lambda: NOW
    async with client_for(fake_services) as api:
        for index in range(10):
            accepted = await api.post("/orders", json=order_body, headers={"Idempotency-Key": f"k-{index}"})
            assert accepted.status_code == 201, accepted.text

        refused = await api.post("/orders", json=order_body, headers={"Idempotency-Key": "k-10"})
        retry = await api.post("/orders", json=order_body, headers={"Idempotency-Key": "k-3"})
    async with client_for(fake_services, as_customer="c-456") as other_customer:
        other = await other_customer.post("/orders", json={**order_body, "customer_id": "c-456"})

    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["Retry-After"] == "18", "whole seconds to 09:31:00"
    problem = refused.json()
    assert (problem["status"], problem["code"], problem["instance"]) == (429, "rate_limited", "/orders")
    assert "nothing was stored" in problem["detail"]
    assert "k-10" not in repository.idempotency
    assert retry.status_code == 201 and retry.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 201, "another customer has a limit of their own"
    assert len(repository.orders) == 11 and len(publisher.published) == 11, "ten of c-123 and one of c-456"


async def test_the_openapi_document_declares_the_429(api: httpx.AsyncClient) -> None:
    document = (await api.get("/openapi.json")).json()

    answer = document["paths"]["/orders"]["post"]["responses"]["429"]
    assert answer["headers"]["Retry-After"]["schema"] == {"type": "integer", "minimum": 1}
    assert answer["content"]["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert "rate_limited" in answer["content"]["application/problem+json"]["examples"]
