"""Every error answers RFC 9457 problem details: validation, raised ApiErrors, framework errors, outages, bugs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Annotated, Any

import httpx
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from fastapi import FastAPI, Query
from pydantic import BaseModel, Field
from shop_shared.composition import Container
from shop_shared.exceptions import DependencyUnavailable
from shop_shared.http import PROBLEM_MEDIA_TYPE, ApiError, create_service_app, problem_responses
from shop_shared.settings import ServiceSettings

SETTINGS = ServiceSettings(host="127.0.0.1", port=8080, shutdown_grace_seconds=1.0)


class Item(BaseModel):
    quantity: int = Field(ge=1, le=10)


def _client_error(code: str, status: int) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "x"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")


FAILURES: dict[str, Exception] = {
    "bug": RuntimeError("secret internals"),
    "outage": DependencyUnavailable("DynamoDB"),
    "throttled": _client_error("ProvisionedThroughputExceededException", 400),
    "aws-5xx": _client_error("InternalServerError", 500),
    "unreachable": EndpointConnectionError(endpoint_url="http://127.0.0.1:1"),
    "aws-refused": _client_error("ValidationException", 400),
}


def app() -> FastAPI:
    async def build(_: ServiceSettings, __: AsyncExitStack) -> Container:
        return Container()

    service = create_service_app(SETTINGS, title="problems", build=build)

    @service.post("/items", status_code=201, responses=problem_responses(409, descriptions={409: "Taken."}))
    async def add_item(item: Item, limit: Annotated[int, Query(le=5)] = 1) -> dict[str, int]:
        if item.quantity == 7:
            raise ApiError(409, "taken", "Seven is taken.")
        return {"quantity": item.quantity}

    @service.get("/items")
    async def list_items() -> list[dict[str, int]]:
        return []

    @service.get("/fail/{kind}")
    async def fail(kind: str) -> None:
        raise FAILURES[kind]

    return service


@asynccontextmanager
async def client() -> AsyncIterator[httpx.AsyncClient]:
    service = app()
    transport = httpx.ASGITransport(app=service, raise_app_exceptions=False)
    async with (
        service.router.lifespan_context(service),
        httpx.AsyncClient(transport=transport, base_url="http://service") as http,
    ):
        yield http


def problem_of(response: httpx.Response) -> dict[str, Any]:
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body: dict[str, Any] = response.json()
    assert body["type"] == "about:blank"
    assert body["status"] == response.status_code
    return body


async def test_an_invalid_body_is_a_422_problem_naming_each_field() -> None:
    async with client() as http:
        response = await http.post("/items?limit=9", json={"quantity": 0})

    body = problem_of(response)
    assert (response.status_code, body["title"], body["code"], body["instance"]) == (
        422,
        "Unprocessable Content",
        "validation_error",
        "/items",
    )
    assert {detail["field"] for detail in body["details"]} == {"quantity", "query.limit"}


async def test_an_api_error_keeps_its_status_and_code() -> None:
    async with client() as http:
        response = await http.post("/items", json={"quantity": 7})

    body = problem_of(response)
    assert (response.status_code, body["code"], body["detail"], body["details"]) == (
        409,
        "taken",
        "Seven is taken.",
        [],
    )


async def test_framework_errors_are_problems_and_keep_their_headers() -> None:
    async with client() as http:
        missing = await http.get("/nowhere")
        wrong_method = await http.delete("/items")

    assert (missing.status_code, problem_of(missing)["code"]) == (404, "not_found")
    assert (wrong_method.status_code, problem_of(wrong_method)["code"]) == (405, "method_not_allowed")
    # Every method of the path, not only those of the first route that matched it (Starlette's own answer).
    assert wrong_method.headers["allow"] == "GET, POST"


@pytest.mark.parametrize("kind", ["outage", "throttled", "aws-5xx", "unreachable"])
async def test_a_dependency_outage_is_a_503_with_retry_after(kind: str) -> None:
    async with client() as http:
        response = await http.get(f"/fail/{kind}")

    body = problem_of(response)
    assert (response.status_code, body["code"], response.headers["retry-after"]) == (503, "unavailable", "1")


@pytest.mark.parametrize("kind", ["bug", "aws-refused"])
async def test_an_unexpected_error_is_a_500_that_reveals_nothing(kind: str) -> None:
    async with client() as http:
        response = await http.get(f"/fail/{kind}")

    body = problem_of(response)
    assert (response.status_code, body["code"]) == (500, "internal_error")
    assert "secret" not in response.text and "ValidationException" not in response.text


async def test_the_openapi_document_says_every_error_is_a_problem() -> None:
    async with client() as http:
        spec = (await http.get("/openapi.json")).json()

    problem_ref = {"$ref": "#/components/schemas/Problem"}
    responses = spec["paths"]["/items"]["post"]["responses"]
    assert responses["409"] == {
        "description": "Taken.",
        "content": {PROBLEM_MEDIA_TYPE: {"schema": problem_ref}},
    }
    assert responses["422"]["content"] == {PROBLEM_MEDIA_TYPE: {"schema": problem_ref}}
    schemas = spec["components"]["schemas"]
    assert {"Problem", "ProblemField"} <= set(schemas)
    assert "HTTPValidationError" not in schemas
    assert set(schemas["Problem"]["properties"]) == {"type", "title", "status", "detail", "instance", "code", "details"}
    # The health check's 503 is its own documented shape, not a problem.
    health_503 = spec["paths"]["/health"]["get"]["responses"]["503"]["content"]
    assert health_503 == {"application/json": {"schema": {"$ref": "#/components/schemas/UnhealthyResponse"}}}
