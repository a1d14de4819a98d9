"""The HTTP API through ASGITransport, with the lifespan running and fakes injected through `build`.

Every error answers an RFC 9457 problem (`application/problem+json`) with `code` and `details`.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from shop_devtools.testing.problems import problem_of
from shop_order.bootstrap import OrderContainer

if TYPE_CHECKING:
    from conftest import ClientFor, InMemoryOrderRepository, RecordingPublisher, ReversibleContactEncryption


async def test_post_order_answers_201_with_location_and_server_totals(
    api: httpx.AsyncClient, order_body: dict[str, Any], publisher: RecordingPublisher
) -> None:
    response = await api.post("/orders", json=order_body)

    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["Location"] == f"/orders/{body['order_id']}"
    assert uuid.UUID(body["order_id"]).version == 4
    assert body["status"] == "PENDING_PAYMENT"
    assert body["total"] == "44.98"
    assert body["items"] == [
        {"sku": "SKU-1", "quantity": 2, "unit_price": "19.99", "line_total": "39.98"},
        {"sku": "SKU-2", "quantity": 1, "unit_price": "5.00", "line_total": "5.00"},
    ]
    assert [change["status"] for change in body["status_history"]] == ["PENDING_PAYMENT"]
    assert body["created_at"] == body["updated_at"] == body["status_history"][0]["at"]
    assert set(body) == {
        "order_id", "customer_id", "status", "currency", "total", "items", "created_at", "updated_at", "status_history"
    }  # fmt: skip
    assert "+15555550100" not in response.text and "tok_success" not in response.text
    assert [envelope.data.order_id for envelope in publisher.published] == [body["order_id"]]


async def test_correlation_header_reaches_the_event(
    api: httpx.AsyncClient, order_body: dict[str, Any], publisher: RecordingPublisher
) -> None:
    response = await api.post("/orders", json=order_body, headers={"X-Correlation-Id": "checkout-7"})

    assert response.status_code == 201
    assert response.headers["X-Correlation-Id"] == "checkout-7"
    assert publisher.published[0].metadata.correlation_id == "checkout-7"


async def test_get_order_returns_what_post_returned(api: httpx.AsyncClient, order_body: dict[str, Any]) -> None:
    created = (await api.post("/orders", json=order_body)).json()

    response = await api.get(f"/orders/{created['order_id']}")

    assert response.status_code == 200
    assert response.json() == created


@pytest.mark.parametrize("order_id", [str(uuid.uuid4()), "not-a-uuid"])
async def test_unknown_order_is_a_404_problem(api: httpx.AsyncClient, order_id: str) -> None:
    response = await api.get(f"/orders/{order_id}")

    problem = problem_of(response, 404, "not_found")
    assert (problem["title"], problem["detail"]) == ("Not Found", "No order with this id.")
    assert problem["instance"] == f"/orders/{order_id}" and problem["details"] == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"items": []}, "items"),
        ({"items": [{"sku": "S", "quantity": 1001, "unit_price": "1.00"}]}, "items.0.quantity"),
        ({"items": [{"sku": "S", "quantity": 1, "unit_price": "1.001"}]}, "items.0.unit_price"),
        ({"currency": "SEK"}, "currency"),
        ({"currency": "JPY"}, "items.0.unit_price"),  # 19.99 has cents; yen have none
        ({"currency": "KRW", "items": [{"sku": "S", "quantity": 1, "unit_price": "1000.5"}]}, "items.0.unit_price"),
        ({"items": [{"sku": "S", "quantity": 1, "unit_price": "1E+3"}]}, "items.0.unit_price"),
        ({"items": [{"sku": "S", "quantity": 1, "unit_price": "1e2"}]}, "items.0.unit_price"),
        ({"items": [{"sku": "S", "quantity": 1, "unit_price": "Infinity"}]}, "items.0.unit_price"),
        ({"items": [{"sku": "S", "quantity": 2, "unit_price": "0.00"}]}, "items"),  # nothing to pay
        ({"contact": {}}, "contact"),
        ({"total": "0.01"}, "total"),
    ],
)
async def test_invalid_order_is_422_and_stores_nothing(
    api: httpx.AsyncClient,
    order_body: dict[str, Any],
    repository: InMemoryOrderRepository,
    publisher: RecordingPublisher,
    changes: dict[str, Any],
    field: str,
) -> None:
    response = await api.post("/orders", json={**order_body, **changes})

    problem = problem_of(response, 422, "validation_error")
    assert (problem["title"], problem["instance"]) == ("Unprocessable Content", "/orders")
    assert field in [detail["field"] for detail in problem["details"]]
    assert all(set(detail) == {"field", "message"} and detail["message"] for detail in problem["details"])
    assert repository.orders == {} and repository.outbox == {} and publisher.published == []


async def test_zero_decimal_currency_order_has_whole_amounts_in_answer_and_event(
    api: httpx.AsyncClient, order_body: dict[str, Any], publisher: RecordingPublisher
) -> None:
    items = [{"sku": "S-1", "quantity": 2, "unit_price": "1999"}, {"sku": "S-2", "quantity": 1, "unit_price": 500.0}]

    response = await api.post("/orders", json={**order_body, "currency": "JPY", "items": items})

    assert response.status_code == 201
    body = response.json()
    assert (body["total"], [line["line_total"] for line in body["items"]]) == ("4498", ["3998", "500"])
    (envelope,) = publisher.published
    detail = envelope.to_detail()["data"]
    assert (detail["currency"], detail["total"]) == ("JPY", "4498")
    assert [line["unit_price"] for line in detail["items"]] == ["1999", "500"]


async def test_validation_errors_never_echo_the_contact(api: httpx.AsyncClient, order_body: dict[str, Any]) -> None:
    response = await api.post("/orders", json={**order_body, "contact": {"phone": "+15555550100", "email": "j@x.io"}})

    assert response.status_code == 422
    assert "5555550100" not in response.text and "j@x.io" not in response.text


@pytest.mark.parametrize("body", ["not json", "[]"])
async def test_malformed_body_is_422(api: httpx.AsyncClient, body: str) -> None:
    response = await api.post("/orders", content=body, headers={"Content-Type": "application/json"})

    problem_of(response, 422, "validation_error")


async def test_invalid_correlation_header_is_422(api: httpx.AsyncClient, order_body: dict[str, Any]) -> None:
    response = await api.post("/orders", json=order_body, headers={"X-Correlation-Id": "x" * 200})

    assert response.status_code == 422


@pytest.mark.parametrize("failing", ["encryption", "repository"])
async def test_unavailable_dependency_is_a_503_problem_with_retry_after(
    api: httpx.AsyncClient,
    order_body: dict[str, Any],
    repository: InMemoryOrderRepository,
    encryption: ReversibleContactEncryption,
    failing: str,
) -> None:
    (encryption if failing == "encryption" else repository).unavailable = True

    response = await api.post("/orders", json=order_body)

    problem = problem_of(response, 503, "unavailable")
    assert problem["detail"] == "The service is temporarily unavailable; retry later."
    assert response.headers["Retry-After"] == "1"
    assert "DynamoDB" not in response.text and "KMS" not in response.text
    assert repository.orders == {}


async def test_unexpected_error_is_a_500_problem_without_internals(
    client_for: ClientFor, fake_services: OrderContainer, repository: InMemoryOrderRepository
) -> None:
    async def broken(_: str) -> None:
        raise RuntimeError("secret internals")

    repository.get = broken  # type: ignore[method-assign, assignment]
    order_id = str(uuid.uuid4())
    async with client_for(fake_services, raise_app_exceptions=False) as client:
        response = await client.get(f"/orders/{order_id}")

    problem_of(response, 500, "internal_error")
    assert response.json() == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "Something went wrong on our side.",
        "instance": f"/orders/{order_id}",
        "code": "internal_error",
        "details": [],
    }
    assert "secret internals" not in response.text and "RuntimeError" not in response.text


async def test_health_reports_stopped_background_loops(client_for: ClientFor, fake_services: OrderContainer) -> None:
    async def ends_early(_: asyncio.Event) -> None:
        return

    async def runs_until_stopped(stop: asyncio.Event) -> None:
        await stop.wait()

    fake_services.background = {"payment-outcomes": ends_early, "outbox-relay": runs_until_stopped}
    async with client_for(fake_services) as client:
        await asyncio.sleep(0)
        response = await client.get("/health")

    assert response.status_code == 503
    assert response.json() == {"status": "unhealthy", "stopped_loops": ["payment-outcomes"]}


async def test_health_is_ok_while_loops_run(api: httpx.AsyncClient) -> None:
    response = await api.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
