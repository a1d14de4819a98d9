"""The OpenAPI document at /openapi.json: every field described with an example, every answer documented."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

MODELS = ("PlaceOrder", "OrderLineInput", "Contact", "OrderView", "OrderLineView", "StatusChangeView", "OrderPageView")
PROBLEM = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


@pytest.fixture
async def spec(api: httpx.AsyncClient) -> dict[str, Any]:
    response = await api.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def test_every_property_of_the_request_and_response_models_is_described(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    for name in MODELS:
        assert schemas[name]["properties"], name
        for field, schema in schemas[name]["properties"].items():
            assert schema.get("description"), f"{name}.{field} has no description"
            assert schema.get("examples"), f"{name}.{field} has no example"


def test_post_orders_documents_every_answer_and_the_headers(spec: dict[str, Any]) -> None:
    post = spec["paths"]["/orders"]["post"]
    responses = post["responses"]

    assert {"201", "413", "422", "503"} <= set(responses)
    assert responses["201"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/OrderView"}
    assert set(responses["201"]["headers"]) == {"Location", "X-Correlation-Id", "Idempotent-Replayed"}
    for code in ("413", "422", "503"):
        assert set(responses[code]["content"]) == {PROBLEM}, code
        content = responses[code]["content"][PROBLEM]
        assert content["schema"] == PROBLEM_REF
        assert responses[code]["description"]
        assert content["examples"], code
    examples = responses["422"]["content"][PROBLEM]["examples"]
    assert set(examples) == {"validation_error", "idempotency_key_reused"}
    assert examples["idempotency_key_reused"]["value"]["code"] == "idempotency_key_reused"
    assert examples["validation_error"]["value"]["details"][0]["field"] == "items.0.quantity"
    headers = {parameter["name"]: parameter for parameter in post["parameters"] if parameter["in"] == "header"}
    key = headers["Idempotency-Key"]
    assert key["required"] is False
    assert "Idempotent-Replayed" in key["description"] and "idempotency_key_reused" in key["description"]
    assert key["schema"]["anyOf"][0]["pattern"] == "^[A-Za-z0-9._:-]{1,128}$"


def test_listing_and_reading_document_their_answers(spec: dict[str, Any]) -> None:
    listing = spec["paths"]["/orders"]["get"]
    reading = spec["paths"]["/orders/{order_id}"]["get"]

    assert {"200", "422", "503"} <= set(listing["responses"])
    assert "invalid_cursor" in listing["responses"]["422"]["content"][PROBLEM]["examples"]
    parameters = {parameter["name"]: parameter for parameter in listing["parameters"]}
    assert parameters["customer_id"]["required"] is False  # the token's subject by default
    assert parameters["limit"]["schema"]["maximum"] == 100 and parameters["limit"]["schema"]["default"] == 20
    for parameter in parameters.values():
        assert parameter["description"] and parameter["schema"]["examples"], parameter["name"]
    assert {"200", "404", "422", "503"} <= set(reading["responses"])
    assert reading["responses"]["404"]["content"][PROBLEM]["schema"] == PROBLEM_REF


def test_every_error_answer_is_a_problem(spec: dict[str, Any]) -> None:
    problem = spec["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "instance", "code", "details"} <= set(problem["properties"])
    assert "ErrorResponse" not in spec["components"]["schemas"]
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    errors = [
        (path, method, status, response)
        for path, operations in spec["paths"].items()
        if path != "/health"
        for method, operation in operations.items()
        for status, response in operation["responses"].items()
        if int(status) >= 400
    ]
    assert errors
    for path, method, status, response in errors:
        assert set(response["content"]) == {PROBLEM}, (path, method, status)
        assert response["content"][PROBLEM]["schema"] == PROBLEM_REF, (path, method, status)


def test_the_contact_fields_are_the_shared_contract(spec: dict[str, Any]) -> None:
    contact = spec["components"]["schemas"]["Contact"]

    assert set(contact["properties"]) == {"phone", "email"}
    assert contact["additionalProperties"] is False
    assert spec["components"]["schemas"]["PlaceOrder"]["properties"]["contact"]["$ref"].endswith("/Contact")


def test_every_operation_but_health_needs_the_bearer_token_and_documents_401(spec: dict[str, Any]) -> None:
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if path == "/health":
                assert "security" not in operation and "401" not in operation["responses"]
                continue
            assert operation["security"] == [{"bearerAuth": []}], (path, method)
            assert "WWW-Authenticate" in operation["responses"]["401"]["headers"], (path, method)


def test_the_403s_and_the_contact_decision_are_documented(spec: dict[str, Any]) -> None:
    post = spec["paths"]["/orders"]["post"]
    forbidden = post["responses"]["403"]["content"][PROBLEM]["examples"]

    assert set(forbidden) == {"forbidden", "contact_not_verified"}
    assert forbidden["contact_not_verified"]["value"]["code"] == "contact_not_verified"
    assert "email_verified: true" in post["description"] and "phone_number_verified: true" in post["description"]
    assert "403" in spec["paths"]["/orders"]["get"]["responses"]
    # Another customer's order is a 404 like a missing one: no 403 that would confirm it exists.
    assert "403" not in spec["paths"]["/orders/{order_id}"]["get"]["responses"]
