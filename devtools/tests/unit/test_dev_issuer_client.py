"""Minting over HTTP: what the token command, the tests, the soak and the benchmarks send the dev issuer."""

from __future__ import annotations

import json

import httpx
import pytest
from shop_devtools.dev_issuer import CustomerTokens, DevIssuerClient, IssuerUnavailable, MintRefused, bearer


class RecordingIssuer:
    """The issuer's side of the wire: every mint request it got, each answered with a token naming its number."""

    def __init__(self, status: int = 201) -> None:
        self.requests: list[dict[str, object]] = []
        self.status = status

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert (request.method, request.url.path) == ("POST", "/dev/tokens")
        self.requests.append(json.loads(request.content))
        if self.status != 201:
            return httpx.Response(self.status, json={"code": "validation_error"})
        return httpx.Response(201, json={"token": f"token-{len(self.requests)}", "token_type": "Bearer"})


def client(issuer: RecordingIssuer) -> DevIssuerClient:
    return DevIssuerClient("http://127.0.0.1:8012/", transport=httpx.MockTransport(issuer))


def test_mint_sends_the_subject_its_contacts_and_lifetime() -> None:
    issuer = RecordingIssuer()

    token = client(issuer).mint("c-1", phone="+15555550100", expires_in=60)

    assert token == "token-1"
    assert issuer.requests == [
        {
            "subject": "c-1",
            "email": None,  # the issuer's default: c-1@example.com
            "phone_number": "+15555550100",
            "expires_in": 60,
            "email_verified": True,
            "phone_number_verified": True,
        }
    ]


@pytest.mark.parametrize(
    ("contact", "email", "phone"),
    [({"email": "ada@example.com"}, "ada@example.com", None), ({"phone": "+15555550100"}, None, "+15555550100")],
)
def test_a_token_for_an_orders_contact_verifies_that_contact(
    contact: dict[str, str], email: str | None, phone: str | None
) -> None:
    issuer = RecordingIssuer()

    client(issuer).mint_for_contact("c-1", contact)

    assert (issuer.requests[0]["email"], issuer.requests[0]["phone_number"]) == (email, phone)


def test_customer_tokens_are_minted_once_per_customer_and_contact() -> None:
    issuer = RecordingIssuer()
    tokens = CustomerTokens(client(issuer), expires_in=7200)

    tokens.prepare({"c-1": {"phone": "+15555550100"}, "c-2": {"email": "b@example.com"}})
    headers = [tokens.headers("c-1", {"phone": "+15555550100"}) for _ in range(3)]

    assert len(issuer.requests) == 2 and {r["expires_in"] for r in issuer.requests} == {7200}
    assert headers == [bearer("token-1")] * 3 == [{"Authorization": "Bearer token-1"}] * 3
    assert tokens.token("c-1", {"email": "c@example.com"}) == "token-3"  # another contact, another token


def test_a_refusal_is_an_error_naming_the_status_and_no_token() -> None:
    with pytest.raises(MintRefused, match="422"):
        client(RecordingIssuer(status=422)).mint("c 1")


def test_no_issuer_is_issuer_unavailable() -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(IssuerUnavailable, match=r"127\.0\.0\.1:8012"):
        DevIssuerClient("http://127.0.0.1:8012", transport=httpx.MockTransport(refused)).mint("c-1")
