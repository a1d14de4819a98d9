"""Every error of the payment API answers an RFC 9457 problem (`application/problem+json`), documented as such."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError
from shop_devtools.testing.problems import problem_of
from shop_shared.exceptions import DependencyUnavailable
from shop_shared.http import PROBLEM_MEDIA_TYPE

MakeHarness = Callable[..., Awaitable[Any]]
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


@asynccontextmanager
async def tolerant_client(harness: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client that gets the 500 answer instead of the app's exception (as a real client would)."""
    transport = httpx.ASGITransport(app=harness.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://payment") as client:
        yield client


def failing_get(error: Exception) -> Callable[[str], Awaitable[None]]:
    async def get(_: str) -> None:
        raise error

    return get


async def test_an_invalid_event_is_a_422_problem(harness: Any, api_key: str) -> None:
    response = await harness.client.post(
        "/events",
        content=json.dumps({"detail-type": "order.created"}).encode(),
        headers={"x-api-key": api_key, "content-type": "application/json"},
    )

    problem = problem_of(response, 422, "invalid_event")
    assert (problem["title"], problem["instance"]) == ("Unprocessable Content", "/events")


async def test_a_missing_key_is_a_401_problem(harness: Any) -> None:
    response = await harness.client.post("/events", content=b"{}", headers={"content-type": "application/json"})

    assert problem_of(response, 401, "unauthorized")["detail"] == "Missing or invalid API key."


async def test_an_unknown_payment_is_a_404_problem(harness: Any) -> None:
    response = await harness.client.get("/payments/nope")

    problem = problem_of(response, 404, "not_found")
    assert (problem["title"], problem["detail"]) == ("Not Found", "No payment with this id.")
    assert problem["instance"] == "/payments/nope" and problem["details"] == []


async def test_an_unexpected_error_is_a_500_problem_without_internals(harness: Any) -> None:
    harness.repository.get = failing_get(RuntimeError("secret internals"))

    async with tolerant_client(harness) as client:
        response = await client.get("/payments/p-1")

    problem = problem_of(response, 500, "internal_error")
    assert (problem["title"], problem["detail"]) == ("Internal Server Error", "Something went wrong on our side.")
    assert "secret internals" not in response.text and "RuntimeError" not in response.text


@pytest.mark.parametrize(
    "outage",
    [
        DependencyUnavailable("DynamoDB"),
        ClientError(
            {
                "Error": {"Code": "ProvisionedThroughputExceededException", "Message": "table payments is throttled"},
                "ResponseMetadata": {"HTTPStatusCode": 400},
            },
            "GetItem",
        ),
    ],
    ids=["dependency-unavailable", "dynamodb-throttled"],
)
async def test_a_dependency_outage_is_a_503_problem_with_retry_after(harness: Any, outage: Exception) -> None:
    harness.repository.get = failing_get(outage)

    async with tolerant_client(harness) as client:
        response = await client.get("/payments/p-1")

    problem = problem_of(response, 503, "unavailable")
    assert problem["detail"] == "The service is temporarily unavailable; retry later."
    assert response.headers["Retry-After"] == "1"
    assert "DynamoDB" not in response.text and "throttled" not in response.text


async def test_the_openapi_document_declares_problems_for_every_error(harness: Any) -> None:
    spec = (await harness.client.get("/openapi.json")).json()

    events = spec["paths"]["/events"]["post"]["responses"]
    payment = spec["paths"]["/payments/{payment_id}"]["get"]["responses"]
    assert {"400", "401", "413", "422", "503"} <= set(events)
    assert {"404", "503"} <= set(payment)
    assert "ErrorResponse" not in spec["components"]["schemas"]
    assert "code" in spec["components"]["schemas"]["Problem"]["properties"]
    for path, operations in spec["paths"].items():
        if path == "/health":
            continue
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert set(response["content"]) == {PROBLEM_MEDIA_TYPE}, (path, method, status)
                    assert response["content"][PROBLEM_MEDIA_TYPE]["schema"] == PROBLEM_REF, (path, method, status)
                    assert response["description"], (path, method, status)
