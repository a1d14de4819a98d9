"""The FastAPI dependency: 401 problems with RFC 6750 challenges, 403 for another customer, 503 when the issuer's keys
are out of reach, the bearer scheme in the OpenAPI document, and no token in any log line."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from pydantic import BaseModel
from shop_devtools.testing.problems import problem_of
from shop_devtools.testing.tokens import TestIssuer
from shop_shared.auth import Authenticated, TokenVerifier, auth_responses, forbid_other_customer
from shop_shared.composition import Container
from shop_shared.http import create_service_app
from shop_shared.settings import ServiceSettings

CHALLENGE = 'Bearer realm="shop"'
REFUSED = 'Bearer realm="shop", error="invalid_token"'


class Me(BaseModel):
    subject: str


@dataclass(kw_only=True)
class GuardedContainer(Container):
    token_verifier: TokenVerifier


def app_for(verifier: TokenVerifier) -> Any:
    async def build(_: ServiceSettings, __: AsyncExitStack) -> GuardedContainer:
        return GuardedContainer(token_verifier=verifier)

    app = create_service_app(ServiceSettings(port=8999, shutdown_grace_seconds=1), title="guarded", build=build)

    @app.get("/me", response_model=Me, responses=auth_responses())
    async def me(principal: Authenticated) -> Me:
        return Me(subject=principal.subject)

    @app.get("/customers/{customer_id}/things", response_model=Me, responses=auth_responses(forbidden="Not yours."))
    async def things(customer_id: str, principal: Authenticated) -> Me:
        forbid_other_customer(principal, customer_id)
        return Me(subject=customer_id)

    return app


@pytest.fixture(scope="module")
def issuer() -> TestIssuer:
    return TestIssuer()


async def client_of(verifier: TokenVerifier) -> AsyncIterator[httpx.AsyncClient]:
    app = app_for(verifier)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://guarded") as client,
    ):
        yield client


@pytest.fixture
async def client(issuer: TestIssuer) -> AsyncIterator[httpx.AsyncClient]:
    async for opened in client_of(issuer.verifier()):
        yield opened


async def test_a_valid_token_reaches_the_route(client: httpx.AsyncClient, issuer: TestIssuer) -> None:
    response = await client.get("/me", headers=issuer.bearer("c-123"))

    assert (response.status_code, response.json()) == (200, {"subject": "c-123"})


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": ""}, {"Authorization": "Bearer"}, {"Authorization": "Basic YTpi"}, {"X-Token": "abc"}],
    ids=["no-header", "empty", "bearer-without-token", "basic", "other-header"],
)
async def test_no_bearer_token_is_401_with_the_bare_challenge(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.get("/me", headers=headers)

    problem = problem_of(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == CHALLENGE
    assert problem["detail"] == "This operation needs a bearer token: send `Authorization: Bearer <JWT>`."


async def test_a_refused_token_is_401_with_invalid_token(client: httpx.AsyncClient, issuer: TestIssuer) -> None:
    forged = TestIssuer(issuer=issuer.issuer, kid=issuer.kid).mint("c-123")
    tokens = {
        "malformed": "not-a-jwt",
        "forged": forged,
        "alg-none": issuer.mint_unsigned("c-123"),
        "expired": issuer.mint("c-123", expires_in=-120),
        "wrong-audience": issuer.mint("c-123", aud="someone-else"),
    }
    for name, token in tokens.items():
        response = await client.get("/me", headers={"Authorization": f"Bearer {token}"})

        problem_of(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"] == REFUSED, name
        assert token not in response.text, name


async def test_the_scheme_name_is_case_insensitive(client: httpx.AsyncClient, issuer: TestIssuer) -> None:
    response = await client.get("/me", headers={"Authorization": f"bearer {issuer.mint('c-1')}"})

    assert response.status_code == 200


async def test_another_customers_path_is_403(client: httpx.AsyncClient, issuer: TestIssuer) -> None:
    mine = await client.get("/customers/c-1/things", headers=issuer.bearer("c-1"))
    theirs = await client.get("/customers/c-2/things", headers=issuer.bearer("c-1"))

    assert mine.status_code == 200
    problem = problem_of(theirs, 403, "forbidden")
    assert problem["detail"] == "The token's subject is another customer."
    assert "WWW-Authenticate" not in theirs.headers


async def test_unreachable_keys_are_503_with_retry_after_not_401(issuer: TestIssuer) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    verifier = TokenVerifier.over_http(issuer.settings(), httpx.AsyncClient(transport=httpx.MockTransport(down)))
    async for client in client_of(verifier):
        response = await client.get("/me", headers=issuer.bearer("c-1"))
        health = await client.get("/health")

    problem_of(response, 503, "unavailable")
    assert response.headers["Retry-After"] == "1"
    assert health.status_code == 200  # health and docs never need the issuer


async def test_the_openapi_document_declares_the_bearer_scheme_and_the_401(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()

    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "An OIDC ID token of the shop's identity provider; its `sub` is the customer id.",
    }
    me = document["paths"]["/me"]["get"]
    things = document["paths"]["/customers/{customer_id}/things"]["get"]
    assert me["security"] == things["security"] == [{"bearerAuth": []}]
    assert "security" not in document["paths"]["/health"]["get"]
    unauthorized = me["responses"]["401"]
    assert set(unauthorized["content"]["application/problem+json"]["examples"]) == {"missing_token", "invalid_token"}
    assert set(unauthorized["headers"]["WWW-Authenticate"]["schema"]["enum"]) == {CHALLENGE, REFUSED}
    assert "403" not in me["responses"]
    assert things["responses"]["403"]["description"] == "Not yours."
    assert (await client.get("/docs")).status_code == 200


async def test_no_token_reaches_a_log_line(
    client: httpx.AsyncClient, issuer: TestIssuer, caplog: pytest.LogCaptureFixture
) -> None:
    good, expired = issuer.mint("c-1"), issuer.mint("c-1", expires_in=-120)
    signatures = [good.rsplit(".", 1)[1], expired.rsplit(".", 1)[1]]
    with caplog.at_level(logging.DEBUG):
        await client.get("/me", headers={"Authorization": f"Bearer {good}"})
        await client.get("/me", headers={"Authorization": f"Bearer {expired}"})

    assert any(record.getMessage() == "bearer token refused" for record in caplog.records)
    for record in caplog.records:
        logged = f"{record.getMessage()} {record.__dict__}"
        assert not any(signature in logged for signature in signatures), record.getMessage()
