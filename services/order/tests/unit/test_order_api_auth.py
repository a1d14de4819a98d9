"""Who may do what on the order API: a valid bearer token, orders only as oneself and only to one's own verified
contact, and another customer's orders invisible (fakes behind the app, tokens from a key made for the test)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from shop_devtools.testing.problems import problem_of
from shop_devtools.testing.tokens import TestIssuer
from shop_order.bootstrap import OrderContainer
from shop_shared.auth import TokenVerifier

if TYPE_CHECKING:
    from conftest import ClientFor, InMemoryOrderRepository, RecordingPublisher

REFUSED = 'Bearer realm="shop", error="invalid_token"'


def nothing_stored(repository: InMemoryOrderRepository, publisher: RecordingPublisher) -> bool:
    return repository.orders == {} and repository.outbox == {} and publisher.published == []


async def test_placing_an_order_without_a_token_is_401_and_stores_nothing(
    client_for: ClientFor,
    fake_services: OrderContainer,
    order_body: dict[str, Any],
    repository: InMemoryOrderRepository,
    publisher: RecordingPublisher,
) -> None:
    async with client_for(fake_services, as_customer=None) as anonymous:
        response = await anonymous.post("/orders", json=order_body)
        invalid_body = await anonymous.post("/orders", json={"customer_id": "c-123", "items": []})

    problem_of(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="shop"'
    assert invalid_body.status_code == 401  # who is asking comes before what is asked
    assert nothing_stored(repository, publisher)


@pytest.mark.parametrize("kind", ["forged", "alg-none", "expired", "other-audience", "other-issuer", "garbage"])
async def test_a_refused_token_is_401_invalid_token_and_stores_nothing(
    client_for: ClientFor,
    fake_services: OrderContainer,
    order_body: dict[str, Any],
    issuer: TestIssuer,
    repository: InMemoryOrderRepository,
    publisher: RecordingPublisher,
    kind: str,
) -> None:
    phone = order_body["contact"]["phone"]
    token = {
        "forged": lambda: TestIssuer(issuer=issuer.issuer, kid=issuer.kid).mint("c-123", phone=phone),
        "alg-none": lambda: issuer.mint_unsigned("c-123", phone=phone),
        "expired": lambda: issuer.mint("c-123", phone=phone, expires_in=-3600),
        "other-audience": lambda: issuer.mint("c-123", phone=phone, aud="another-app"),
        "other-issuer": lambda: issuer.mint("c-123", phone=phone, iss="https://evil.example"),
        "garbage": lambda: "eyJhbGciOiJub25lIn0.garbage.",
    }[kind]()
    async with client_for(fake_services, as_customer=None) as client:
        response = await client.post("/orders", json=order_body, headers={"Authorization": f"Bearer {token}"})

    problem_of(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == REFUSED
    assert nothing_stored(repository, publisher)


async def test_ordering_as_someone_else_is_403_and_stores_nothing(
    api: httpx.AsyncClient,
    order_body: dict[str, Any],
    repository: InMemoryOrderRepository,
    publisher: RecordingPublisher,
) -> None:
    response = await api.post("/orders", json={**order_body, "customer_id": "c-victim"})

    problem = problem_of(response, 403, "forbidden")
    assert problem["detail"] == (
        "`customer_id` is not the customer of the bearer token: orders are placed only as oneself."
    )
    assert nothing_stored(repository, publisher)


@pytest.mark.parametrize(
    "contact",
    [{"phone": "+15555550199"}, {"email": "attacker@example.com"}],
    ids=["someone-elses-phone", "someone-elses-email"],
)
async def test_a_contact_the_provider_did_not_verify_is_403_and_nothing_is_sent(
    api: httpx.AsyncClient,
    order_body: dict[str, Any],
    repository: InMemoryOrderRepository,
    publisher: RecordingPublisher,
    contact: dict[str, str],
) -> None:
    response = await api.post("/orders", json={**order_body, "contact": contact})

    problem = problem_of(response, 403, "contact_not_verified")
    assert "verified" in problem["detail"]
    assert contact.popitem()[1] not in response.text
    assert nothing_stored(repository, publisher)


async def test_an_email_the_token_lists_but_not_as_verified_is_refused(
    client_for: ClientFor,
    fake_services: OrderContainer,
    order_body: dict[str, Any],
    issuer: TestIssuer,
    repository: InMemoryOrderRepository,
    publisher: RecordingPublisher,
) -> None:
    token = issuer.mint("c-123", email="c-123@example.com", email_verified=False)
    async with client_for(fake_services, as_customer=None) as client:
        response = await client.post(
            "/orders",
            json={**order_body, "contact": {"email": "c-123@example.com"}},
            headers={"Authorization": f"Bearer {token}"},
        )

    problem_of(response, 403, "contact_not_verified")
    assert nothing_stored(repository, publisher)


async def test_the_verified_email_is_accepted_whatever_its_case(
    api: httpx.AsyncClient, order_body: dict[str, Any]
) -> None:
    response = await api.post("/orders", json={**order_body, "contact": {"email": "C-123@Example.COM"}})

    assert response.status_code == 201, response.text


async def test_another_customers_order_is_404_exactly_like_a_missing_one(
    api: httpx.AsyncClient, client_for: ClientFor, fake_services: OrderContainer, order_body: dict[str, Any]
) -> None:
    order_id = (await api.post("/orders", json=order_body)).json()["order_id"]
    missing_id = str(uuid.uuid4())

    async with client_for(fake_services, as_customer="c-other") as other:
        theirs = await other.get(f"/orders/{order_id}")
        missing = await other.get(f"/orders/{missing_id}")

    assert (await api.get(f"/orders/{order_id}")).status_code == 200
    assert problem_of(theirs, 404, "not_found") == {**problem_of(missing, 404), "instance": f"/orders/{order_id}"}


async def test_an_unreachable_identity_provider_is_503_and_stores_nothing(
    client_for: ClientFor,
    fake_services: OrderContainer,
    order_body: dict[str, Any],
    issuer: TestIssuer,
    repository: InMemoryOrderRepository,
    publisher: RecordingPublisher,
) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    fake_services.token_verifier = TokenVerifier.over_http(
        issuer.settings(), httpx.AsyncClient(transport=httpx.MockTransport(down))
    )
    async with client_for(fake_services) as client:
        response = await client.post("/orders", json=order_body)

    problem_of(response, 503, "unavailable")
    assert response.headers["Retry-After"] == "1"
    assert nothing_stored(repository, publisher)
