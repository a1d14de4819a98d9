"""The dev OIDC issuer: its discovery document, its JWKS, the tokens it mints and whom it mints them for."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
from shop_devtools.dev_issuer import DevIssuerSettings, SigningKey, create_app, jwk_thumbprint
from shop_devtools.services import DEV_ISSUER, SERVICES, process_environment

ISSUER = "http://127.0.0.1:8012"
NOW = 1_800_000_000
KEY = SigningKey.generate()  # one RSA key for the module: generating one takes a noticeable moment


def _client(client_host: str = "127.0.0.1", **settings: Any) -> httpx.AsyncClient:
    app = create_app(DevIssuerSettings(**settings), key=KEY, clock=lambda: NOW)
    transport = httpx.ASGITransport(app=app, client=(client_host, 50_000))
    return httpx.AsyncClient(transport=transport, base_url="http://issuer")


@pytest.fixture
async def issuer() -> AsyncIterator[httpx.AsyncClient]:
    async with _client() as client:
        yield client


def _verified(token: str, jwks: dict[str, Any], *, now: int = NOW + 1) -> dict[str, Any]:
    """PyJWT's verification against the served key set, as a service does it (at the time `now`)."""
    key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(token)["kid"]]
    claims: dict[str, Any] = jwt.decode(
        token,
        key,
        algorithms=["RS256"],
        audience="shop",
        issuer=ISSUER,
        # The times are checked here against the fixed clock, not against the machine's.
        options={
            "require": ["iss", "aud", "sub", "exp", "iat", "nbf"],
            "verify_exp": False,
            "verify_nbf": False,
            "verify_iat": False,
        },
    )
    assert claims["iat"] <= now and claims["nbf"] <= now < claims["exp"]
    return claims


async def test_the_discovery_document_names_the_issuer_its_jwks_and_rs256(issuer: httpx.AsyncClient) -> None:
    document = (await issuer.get("/.well-known/openid-configuration")).json()

    assert document["issuer"] == ISSUER
    assert document["jwks_uri"] == f"{ISSUER}/.well-known/jwks.json"
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]


async def test_the_issuer_is_the_configured_url_in_compose() -> None:
    async with _client(url="http://dev-issuer:8012/", host="0.0.0.0") as issuer:  # noqa: S104
        document = (await issuer.get("/.well-known/openid-configuration")).json()
        minted = await issuer.post("/dev/tokens", json={"subject": "c-1"})

    assert document["issuer"] == "http://dev-issuer:8012"
    assert document["jwks_uri"] == "http://dev-issuer:8012/.well-known/jwks.json"
    assert jwt.decode(minted.json()["token"], options={"verify_signature": False})["iss"] == "http://dev-issuer:8012"


async def test_the_jwks_has_one_public_rsa_key_named_by_its_rfc7638_thumbprint(issuer: httpx.AsyncClient) -> None:
    response = await issuer.get("/.well-known/jwks.json")

    [key] = response.json()["keys"]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig"
    assert key["kid"] == jwk_thumbprint(key) == KEY.kid
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)  # nothing private
    assert "max-age" in response.headers["cache-control"]


def test_the_thumbprint_is_rfc7638s_example() -> None:
    # RFC 7638, section 3.1: the example RSA key and its SHA-256 thumbprint.
    n = (
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMs"
        "tn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5"
        "hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
    )

    assert jwk_thumbprint({"kty": "RSA", "n": n, "e": "AQAB", "alg": "RS256"}) == (
        "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    )


async def test_a_minted_token_verifies_against_the_served_jwks_with_the_default_claims(
    issuer: httpx.AsyncClient,
) -> None:
    minted = await issuer.post("/dev/tokens", json={"subject": "c-123"})
    jwks = (await issuer.get("/.well-known/jwks.json")).json()

    assert minted.status_code == 201
    body = minted.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600 and body["kid"] == KEY.kid
    assert jwt.get_unverified_header(body["token"]) == {"alg": "RS256", "kid": KEY.kid, "typ": "JWT"}
    claims = _verified(body["token"], jwks)
    assert claims["sub"] == "c-123"
    assert (claims["iat"], claims["nbf"], claims["exp"]) == (NOW, NOW, NOW + 3600)
    assert claims["email"] == "c-123@example.com" and claims["email_verified"] is True
    assert "phone_number" not in claims


async def test_a_phone_and_an_email_asked_for_are_verified_claims(issuer: httpx.AsyncClient) -> None:
    minted = await issuer.post(
        "/dev/tokens",
        json={"subject": "c-9", "email": "ada@example.com", "phone_number": "+15555550100", "expires_in": 60},
    )

    claims = _verified(minted.json()["token"], (await issuer.get("/.well-known/jwks.json")).json())
    assert claims["email"] == "ada@example.com" and claims["email_verified"] is True
    assert claims["phone_number"] == "+15555550100" and claims["phone_number_verified"] is True
    assert claims["exp"] == NOW + 60


async def test_an_unverified_contact_can_be_minted_for_tests_of_that_refusal(issuer: httpx.AsyncClient) -> None:
    minted = await issuer.post(
        "/dev/tokens",
        json={
            "subject": "c-9",
            "phone_number": "+15555550100",
            "phone_number_verified": False,
            "email_verified": False,
        },
    )

    claims = jwt.decode(minted.json()["token"], options={"verify_signature": False})
    assert claims["email_verified"] is False and claims["phone_number_verified"] is False


async def test_a_token_of_another_key_does_not_verify_against_the_served_jwks(issuer: httpx.AsyncClient) -> None:
    jwks = (await issuer.get("/.well-known/jwks.json")).json()
    forged = jwt.encode(
        {"iss": ISSUER, "aud": "shop", "sub": "c-1", "iat": NOW, "nbf": NOW, "exp": NOW + 60},
        SigningKey.generate().private_key,
        algorithm="RS256",
        headers={"kid": KEY.kid},  # claims the issuer's key, signed with another
    )

    with pytest.raises(jwt.InvalidSignatureError):
        _verified(forged, jwks)


@pytest.mark.parametrize("client_host", ["203.0.113.7", "10.0.0.2", "testclient"])
async def test_tokens_are_minted_only_for_clients_on_the_issuers_host(client_host: str) -> None:
    async with _client(client_host) as issuer:
        refused = await issuer.post("/dev/tokens", json={"subject": "c-1"})
        jwks = await issuer.get("/.well-known/jwks.json")

    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "forbidden" and "token" not in refused.json()
    assert jwks.status_code == 200  # the public keys are for everyone


async def test_an_ipv6_loopback_client_may_mint() -> None:
    async with _client("::1") as issuer:
        assert (await issuer.post("/dev/tokens", json={"subject": "c-1"})).status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "subject"),
        ({"subject": ""}, "subject"),
        ({"subject": "c 1"}, "subject"),
        ({"subject": "c-1", "email": "not-an-address"}, "email"),
        ({"subject": "c-1", "phone_number": "5555550100"}, "phone_number"),
        ({"subject": "c-1", "expires_in": 0}, "expires_in"),
        ({"subject": "c-1", "expires_in": 86_401}, "expires_in"),
        ({"subject": "c-1", "audience": "other"}, "audience"),
    ],
)
async def test_a_bad_mint_request_is_a_422_naming_the_field(
    issuer: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    response = await issuer.post("/dev/tokens", json=body)

    assert response.status_code == 422
    assert [detail["field"] for detail in response.json()["details"]] == [field]


def test_it_listens_on_loopback_by_default_and_its_port_is_the_runtimes() -> None:
    assert DevIssuerSettings().host == "127.0.0.1" and DevIssuerSettings().port == DEV_ISSUER.default_port == 8012
    env = process_environment(DEV_ISSUER, 9012, {}, None, {"dev-issuer": 9012}).env

    assert env["DEV_ISSUER_HOST"] == "127.0.0.1" and env["DEV_ISSUER_PORT"] == "9012"


@pytest.mark.parametrize("name", ["order", "loyalty", "notifications"])
def test_the_customer_facing_services_trust_the_dev_issuer(name: str) -> None:
    ports = {"dev-issuer": 9012, "loyalty-partner": 9011}
    env = process_environment(SERVICES[name], 9000, {}, None, ports).env

    assert env["AUTH_ISSUER"] == "http://127.0.0.1:9012"  # the `iss` of its tokens, from its default URL
    assert env["AUTH_AUDIENCE"] == "shop"


@pytest.mark.parametrize("name", ["payment", "batch-worker"])
def test_payment_and_the_batch_worker_take_no_tokens(name: str) -> None:
    env = process_environment(SERVICES[name], 9000, {}, None, {"payment-provider": 9010}).env

    assert "AUTH_ISSUER" not in env and "AUTH_AUDIENCE" not in env
