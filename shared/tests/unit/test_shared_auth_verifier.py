"""TokenVerifier: what a token must be to name a customer (keys generated here, JWKS answered in memory)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import httpx
import pytest
from shop_devtools.testing.tokens import TestIssuer
from shop_shared.auth import InvalidToken, Principal, TokenVerifier
from shop_shared.contracts import Contact


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hs256_with(secret: bytes, header: dict[str, Any], claims: dict[str, Any]) -> str:
    """An HS256 token signed by hand, as an attacker would (PyJWT refuses a PEM as an HMAC secret)."""
    signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(claims).encode())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64url(signature)}"


class CountingIssuer:
    """Answers like `issuer`, counting the requests: a refused token must not cost a JWKS fetch."""

    def __init__(self, issuer: TestIssuer) -> None:
        self.issuer = issuer
        self.requests = 0

    def answer(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        return self.issuer.answer(request)

    def verifier(self, **overrides: Any) -> TokenVerifier:
        http = httpx.AsyncClient(transport=httpx.MockTransport(self.answer))
        return TokenVerifier.over_http(self.issuer.settings(**overrides), http)


@pytest.fixture(scope="module")
def issuer() -> TestIssuer:
    return TestIssuer()


@pytest.fixture
def counting(issuer: TestIssuer) -> CountingIssuer:
    return CountingIssuer(issuer)


async def refused(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(InvalidToken) as refusal:
        await verifier.verify(token)
    return refusal.value.detail


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
async def test_a_valid_token_names_its_subject_and_verified_contacts(algorithm: Any) -> None:
    issuer = TestIssuer(algorithm=algorithm)
    token = issuer.mint("c-123", email="Jane@Example.com", phone="+15555550100")

    principal = await issuer.verifier().verify(token)

    assert principal == Principal("c-123", verified_email="Jane@Example.com", verified_phone="+15555550100")
    assert principal.owns(Contact(email="jane@example.com")) and principal.owns(Contact(phone="+15555550100"))
    assert not principal.owns(Contact(phone="+15555550199")) and not principal.owns(Contact(email="x@example.com"))
    assert "Jane" not in repr(principal) and "5555550100" not in repr(principal)


@pytest.mark.parametrize(
    "claims",
    [
        {"email": "jane@example.com", "email_verified": False},
        {"email": "jane@example.com", "email_verified": "true"},  # a string is not the provider saying so
        {"email": "jane@example.com", "email_verified": None},  # no flag at all
        {"phone_number": "+15555550100", "phone_number_verified": False},
    ],
)
async def test_a_contact_not_marked_verified_is_not_the_customers(issuer: TestIssuer, claims: dict[str, Any]) -> None:
    principal = await issuer.verifier().verify(issuer.mint("c-1", **claims))

    assert (principal.verified_email, principal.verified_phone) == (None, None)
    assert not principal.owns(Contact(email="jane@example.com")) and not principal.owns(Contact(phone="+15555550100"))


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "a.b", "....", "eyJhbGciOiJSUzI1NiJ9.e30.", "é.é.é"])
async def test_a_malformed_token_is_refused_without_asking_the_issuer(counting: CountingIssuer, token: str) -> None:
    assert await refused(counting.verifier(), token)
    assert counting.requests == 0


async def test_a_signature_by_another_key_under_the_same_kid_is_refused(issuer: TestIssuer) -> None:
    forger = TestIssuer(issuer=issuer.issuer, audience=issuer.audience, kid=issuer.kid)

    detail = await refused(issuer.verifier(), forger.mint("c-1"))

    assert detail == "The bearer token's signature or claims are not valid."


async def test_alg_none_is_refused_before_any_key_is_fetched(issuer: TestIssuer, counting: CountingIssuer) -> None:
    detail = await refused(counting.verifier(), issuer.mint_unsigned("c-1"))

    assert detail == "The bearer token is not signed with an accepted algorithm."
    assert counting.requests == 0


@pytest.mark.parametrize("alg", ["HS256", "none", "None", "NONE", "RS384"])
async def test_an_algorithm_outside_the_settings_is_refused(issuer: TestIssuer, alg: str) -> None:
    claims = issuer.claims("c-1")
    header = {"alg": alg, "typ": "JWT", "kid": issuer.kid}

    detail = await refused(issuer.verifier(), _hs256_with(b"whatever", header, claims))

    assert detail == "The bearer token is not signed with an accepted algorithm."


async def test_hs256_signed_with_the_public_key_is_refused_even_if_hs256_were_listed(issuer: TestIssuer) -> None:
    """Algorithm confusion: the public key used as an HMAC secret. HS256 cannot even be configured."""
    token = _hs256_with(issuer.public_key_pem, {"alg": "HS256", "typ": "JWT", "kid": issuer.kid}, issuer.claims("c-1"))

    assert await refused(issuer.verifier(), token)
    with pytest.raises(ValueError, match="asymmetric"):
        issuer.settings(auth_algorithms=("RS256", "HS256"))


async def test_a_token_whose_alg_is_not_its_keys_is_refused(issuer: TestIssuer) -> None:
    """The JWK says RS256; a PS256 token under that kid is refused even when PS256 is accepted in general."""
    token = issuer.sign(issuer.claims("c-1"), algorithm="PS256")

    detail = await refused(issuer.verifier(auth_algorithms=("RS256", "PS256")), token)

    assert detail == "The bearer token's algorithm is not the one of its signing key."


@pytest.mark.parametrize(
    ("claims", "detail"),
    [
        ({"iss": "https://evil.example"}, "The bearer token was not issued for this service."),
        ({"aud": "another-client"}, "The bearer token was not issued for this service."),
        ({"exp": -120}, "The bearer token has expired."),  # times: seconds from now, beyond the 30 s leeway
        ({"nbf": 120}, "The bearer token is not valid yet."),
        ({"iat": 120}, "The bearer token is not valid yet."),
        ({"sub": None}, "The bearer token has no `sub` claim."),
        ({"exp": None}, "The bearer token has no `exp` claim."),
        ({"iss": None}, "The bearer token has no `iss` claim."),
        ({"aud": None}, "The bearer token has no `aud` claim."),
        ({"sub": ""}, "The bearer token's subject is not a customer id."),
        ({"sub": 42}, "The bearer token's signature or claims are not valid."),
    ],
)
async def test_a_wrong_or_missing_claim_is_refused_with_its_reason(
    issuer: TestIssuer, claims: dict[str, Any], detail: str
) -> None:
    now = int(time.time())
    timed = {name: now + value for name, value in claims.items() if name in ("exp", "nbf", "iat") and value}
    token = issuer.mint("c-1", **(claims | timed))

    assert await refused(issuer.verifier(), token) == detail


async def test_times_within_the_leeway_are_accepted(issuer: TestIssuer) -> None:
    now = int(time.time())
    expired_lately = issuer.mint("c-1", exp=now - 20)
    issued_by_a_fast_clock = issuer.mint("c-1", nbf=now + 20, iat=now + 20)

    assert (await issuer.verifier().verify(expired_lately)).subject == "c-1"
    assert (await issuer.verifier().verify(issued_by_a_fast_clock)).subject == "c-1"
    strict = issuer.verifier(auth_leeway_seconds=0)
    assert await refused(strict, expired_lately) == "The bearer token has expired."
    assert await refused(strict, issued_by_a_fast_clock) == "The bearer token is not valid yet."


async def test_a_token_without_kid_is_refused(issuer: TestIssuer) -> None:
    token = issuer.sign(issuer.claims("c-1"), with_kid=False)

    assert await refused(issuer.verifier(), token) == "The bearer token names no signing key (kid)."


async def test_an_audience_list_that_includes_ours_is_accepted(issuer: TestIssuer) -> None:
    token = issuer.mint("c-1", aud=["other", issuer.audience])

    assert (await issuer.verifier().verify(token)).subject == "c-1"
