"""Customers act only as themselves, on the real stack: order, loyalty and notifications as real processes that
trust this module's dev OIDC issuer (also a real process), driven over HTTP with the tokens an attacker would try.

No token, a forged signature, `alg: none`, an HMAC signed with the issuer's public key, an expired token: 401 with
`WWW-Authenticate`. A valid token for someone else's customer id: 403 and nothing stored; someone else's order: 404
as if it did not exist; an order confirmed to a contact the token does not verify: 403. Too many orders: 429.
"""

import asyncio
import base64
import hashlib
import hmac
import json
import uuid
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from shop_devtools.dev_issuer import DevIssuerClient, bearer
from shop_devtools.testing.tokens import TestIssuer

pytestmark = pytest.mark.e2e

PHONE = "+15555550100"
RATE_LIMIT = 3  # orders per customer and day, low so the test reaches it
# No leeway, so a token minted for one second is expired two seconds later.
STRICT = {"AUTH_LEEWAY_SECONDS": "0"}
DAILY_RATE_LIMIT = {"ORDER_RATE_LIMIT_ORDERS": str(RATE_LIMIT), "ORDER_RATE_LIMIT_WINDOW_SECONDS": "86400"}
PROTECTED = ("order", "loyalty", "notifications")


@pytest.fixture(scope="module")
def urls(start_service_process, service_ports: dict[str, int]) -> dict[str, str]:
    start_service_process("order", extra_env=STRICT | DAILY_RATE_LIMIT)
    for name in ("loyalty", "notifications"):
        start_service_process(name, extra_env=STRICT)
    return {name: f"http://127.0.0.1:{service_ports[name]}" for name in (*PROTECTED, "dev-issuer")}


def order_request(customer_id: str, contact: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "currency": "USD",
        "items": [{"sku": "SKU-1", "quantity": 1, "unit_price": "10.00"}],
        "payment_token": "tok_success",
        "contact": contact or {"phone": PHONE},
    }


def customer_paths(customer: str) -> dict[str, str]:
    """A customer's own read of each protected service."""
    return {
        "order": f"/orders?customer_id={customer}",
        "loyalty": f"/customers/{customer}/loyalty",
        "notifications": f"/customers/{customer}/notifications",
    }


def new_customer() -> str:
    return f"c-auth-{uuid.uuid4().hex[:8]}"


def assert_refused(response: httpx.Response, *, token_sent: bool) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "unauthorized"
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="shop"')
    assert ('error="invalid_token"' in challenge) == token_sent


async def test_no_token_is_401_with_a_bearer_challenge_and_health_and_docs_stay_open(urls: dict[str, str]) -> None:
    customer = new_customer()
    async with httpx.AsyncClient(timeout=10) as client:
        for name, path in customer_paths(customer).items():
            assert_refused(await client.get(urls[name] + path), token_sent=False)
            assert (await client.get(f"{urls[name]}/health")).status_code == 200
            assert (await client.get(f"{urls[name]}/openapi.json")).status_code == 200
        assert_refused(await client.post(f"{urls['order']}/orders", json=order_request(customer)), token_sent=False)


async def test_tokens_the_issuer_never_signed_are_401(urls: dict[str, str], dev_issuer: DevIssuerClient) -> None:
    customer = new_customer()
    genuine = dev_issuer.mint(customer)
    kid = jwt.get_unverified_header(genuine)["kid"]
    async with httpx.AsyncClient(timeout=10) as client:
        [public_jwk] = (await client.get(f"{urls['dev-issuer']}/.well-known/jwks.json")).json()["keys"]
        # Same issuer, kid and claims: signed by another key, by nobody, or with the public key as an HMAC secret.
        impostor = TestIssuer(issuer=urls["dev-issuer"], kid=kid)
        forged = {
            "another key": impostor.mint(customer, email=f"{customer}@example.com"),
            "alg none": impostor.mint_unsigned(customer),
            "HS256 with the public key": hs256_token(impostor.claims(customer), kid, public_jwk),
            "a tampered payload": tamper(genuine, sub=new_customer()),
        }
        for what, token in forged.items():
            for name, path in customer_paths(customer).items():
                response = await client.get(urls[name] + path, headers=bearer(token))
                assert response.status_code == 401, (what, name, response.text)
                assert_refused(response, token_sent=True)
        # The genuine token of the same customer is accepted by each service.
        for name, path in customer_paths(customer).items():
            response = await client.get(urls[name] + path, headers=bearer(genuine))
            assert response.status_code in (200, 404), (name, response.text)  # 404: no loyalty account yet


async def test_an_expired_token_is_401(urls: dict[str, str], dev_issuer: DevIssuerClient) -> None:
    customer = new_customer()
    token = dev_issuer.mint(customer, expires_in=1)
    await asyncio.sleep(2.5)
    async with httpx.AsyncClient(timeout=10) as client:
        for name, path in customer_paths(customer).items():
            assert_refused(await client.get(urls[name] + path, headers=bearer(token)), token_sent=True)


async def test_ordering_as_someone_else_is_403_and_stores_nothing(
    urls: dict[str, str], dev_issuer: DevIssuerClient
) -> None:
    attacker, victim = new_customer(), new_customer()
    async with httpx.AsyncClient(timeout=10, headers=bearer(dev_issuer.mint(attacker, phone=PHONE))) as client:
        response = await client.post(f"{urls['order']}/orders", json=order_request(victim))
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "forbidden"
        listing = await client.get(f"{urls['order']}/orders", params={"customer_id": victim})
        assert listing.status_code == 403 and listing.json()["code"] == "forbidden"
    async with httpx.AsyncClient(timeout=10, headers=bearer(dev_issuer.mint(victim))) as client:
        assert (await client.get(f"{urls['order']}/orders")).json()["orders"] == []


async def test_an_order_confirmed_to_a_contact_the_token_does_not_verify_is_403(
    urls: dict[str, str], dev_issuer: DevIssuerClient
) -> None:
    customer = new_customer()
    cases = {
        "a phone not in the token": (dev_issuer.mint(customer), {"phone": PHONE}),
        "an unverified phone": (dev_issuer.mint(customer, phone=PHONE, phone_number_verified=False), {"phone": PHONE}),
        "someone else's e-mail": (dev_issuer.mint(customer), {"email": "victim@example.com"}),
    }
    async with httpx.AsyncClient(timeout=10) as client:
        for what, (token, contact) in cases.items():
            response = await client.post(
                f"{urls['order']}/orders", json=order_request(customer, contact), headers=bearer(token)
            )
            assert response.status_code == 403, (what, response.text)
            assert response.json()["code"] == "contact_not_verified", what
        mine = await client.get(f"{urls['order']}/orders", headers=bearer(dev_issuer.mint(customer)))
        assert mine.json()["orders"] == []


async def test_someone_elses_data_is_403_and_their_order_404_as_if_it_did_not_exist(
    urls: dict[str, str], dev_issuer: DevIssuerClient
) -> None:
    owner, other = new_customer(), new_customer()
    owner_token = dev_issuer.mint(owner, phone=PHONE)
    async with httpx.AsyncClient(timeout=10) as client:
        created = await client.post(f"{urls['order']}/orders", json=order_request(owner), headers=bearer(owner_token))
        assert created.status_code == 201, created.text
        order_id = created.json()["order_id"]
        as_owner = await client.get(f"{urls['order']}/orders/{order_id}", headers=bearer(owner_token))
        assert as_owner.status_code == 200

        other_token = bearer(dev_issuer.mint(other))
        theirs = await client.get(f"{urls['order']}/orders/{order_id}", headers=other_token)
        unknown = await client.get(f"{urls['order']}/orders/{uuid.uuid4()}", headers=other_token)
        assert theirs.status_code == unknown.status_code == 404
        assert {**theirs.json(), "instance": None} == {**unknown.json(), "instance": None}  # nothing tells them apart
        for name, path in customer_paths(owner).items():
            response = await client.get(urls[name] + path, headers=other_token)
            assert response.status_code == 403, (name, response.text)
            assert response.json()["code"] == "forbidden"


async def test_too_many_orders_from_one_customer_are_429_with_retry_after_and_store_nothing(
    urls: dict[str, str], dev_issuer: DevIssuerClient
) -> None:
    customer = new_customer()
    async with httpx.AsyncClient(timeout=10, headers=bearer(dev_issuer.mint(customer, phone=PHONE))) as client:
        answers = []
        # The window is a day aligned to the clock: at most one boundary falls in these requests, so at most
        # 2 x RATE_LIMIT of them can be accepted before one is refused.
        for _ in range(2 * RATE_LIMIT + 1):
            answers.append(await client.post(f"{urls['order']}/orders", json=order_request(customer)))
            if answers[-1].status_code != 201:
                break
        stored = (await client.get(f"{urls['order']}/orders", params={"limit": 100})).json()["orders"]

    refused = answers[-1]
    assert refused.status_code == 429, [answer.status_code for answer in answers]
    assert RATE_LIMIT <= len(answers) - 1 <= 2 * RATE_LIMIT
    assert refused.json()["code"] == "rate_limited" and int(refused.headers["retry-after"]) >= 1
    assert len(stored) == len(answers) - 1  # the refused order was not stored


def hs256_token(claims: dict[str, Any], kid: str, public_jwk: dict[str, str]) -> str:
    """Algorithm confusion: HS256 whose secret is the issuer's public key (PEM), which anybody can fetch."""
    key = jwt.PyJWK(public_jwk, algorithm="RS256").key
    secret = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    header = {"alg": "HS256", "typ": "JWT", "kid": kid}
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


def tamper(token: str, **claims: Any) -> str:
    """The genuine token with its payload changed and its signature kept."""
    header, payload, signature = token.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))) | claims
    return f"{header}.{b64url(json.dumps(body).encode())}.{signature}"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
