"""The payment API's OpenAPI document: the event `POST /events` is delivered, its API key, and its example accepted."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from shop_payment.settings import PaymentSettings


async def _document(harness: Any) -> dict[str, Any]:
    response = await harness.client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


async def test_events_documents_the_event_frame_it_is_delivered(harness: Any) -> None:
    body = (await _document(harness))["paths"]["/events"]["post"]["requestBody"]

    assert body["required"] is True
    schema = body["content"]["application/json"]["schema"]
    assert schema["required"] == ["detail-type", "detail"]
    assert schema["properties"]["detail-type"] == {"const": "order.created"}
    assert schema["properties"]["detail"]["required"] == ["metadata", "data"]


async def test_the_documented_example_is_an_event_payment_accepts(harness: Any, api_key: str) -> None:
    body = (await _document(harness))["paths"]["/events"]["post"]["requestBody"]
    example = body["content"]["application/json"]["examples"]["order_created"]["value"]

    response = await harness.client.post(
        "/events", content=json.dumps(example), headers={"x-api-key": api_key, "content-type": "application/json"}
    )
    await harness.dependencies.processor.join()

    assert response.status_code == 202
    assert response.json()["status"] == "accepted"


async def test_the_api_key_is_the_security_scheme_of_events_in_the_configured_header(
    make_harness: Callable[..., Awaitable[Any]], settings_factory: Callable[..., PaymentSettings]
) -> None:
    harness = await make_harness(settings=settings_factory(api_key_header="x-shop-key"))
    document = await _document(harness)

    [scheme_name] = document["components"]["securitySchemes"]
    assert document["components"]["securitySchemes"][scheme_name] | {"description": ""} == {
        "type": "apiKey",
        "in": "header",
        "name": "x-shop-key",
        "description": "",
    }
    assert document["paths"]["/events"]["post"]["security"] == [{scheme_name: []}]
    assert "security" not in document["paths"]["/payments/{payment_id}"]["get"]
