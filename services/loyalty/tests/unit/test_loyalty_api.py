"""The HTTP API with in-memory accounts: the account view only for its own customer's token, errors as RFC 9457
problems and the health check."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime

import httpx
import pytest
from botocore.exceptions import ClientError
from shop_devtools.testing.problems import problem_of
from shop_devtools.testing.tokens import TestIssuer
from shop_loyalty.bootstrap import LoyaltyContainer
from shop_loyalty.domain import LoyaltyAccount
from shop_loyalty.entrypoints.api import create_app
from shop_loyalty.ports import AccountRepository
from shop_loyalty.settings import LoyaltySettings
from shop_shared.composition import BackgroundLoop
from shop_shared.exceptions import DependencyUnavailable

from tests.fakes.loyalty import InMemoryAccounts, InMemoryTables

NOW = datetime(2025, 3, 14, 12, tzinfo=UTC)
ISSUER = TestIssuer()
SETTINGS = LoyaltySettings(
    order_events_queue="q",
    accounts_table="a",
    ledger_table="l",
    shutdown_grace_seconds=1,
    auth_issuer=ISSUER.issuer,
    auth_audience=ISSUER.audience,
)
PROBLEM = "application/problem+json"


@asynccontextmanager
async def _client(
    accounts: AccountRepository, loops: dict[str, BackgroundLoop] | None = None, *, as_customer: str | None = "c1"
) -> AsyncIterator[httpx.AsyncClient]:
    """The app over `accounts`; the client sends a token of `as_customer` (None: no token)."""

    async def fake_bootstrap(_: LoyaltySettings, __: AsyncExitStack) -> LoyaltyContainer:
        return LoyaltyContainer(
            accounts=accounts, token_verifier=ISSUER.verifier(), clock=lambda: NOW, background=loops or {}
        )

    app = create_app(SETTINGS, build=fake_bootstrap)
    async with app.router.lifespan_context(app):
        # The 500 handler answers, then Starlette re-raises to the server: the client must not re-raise it.
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        headers = ISSUER.bearer(as_customer) if as_customer else {}
        async with httpx.AsyncClient(transport=transport, base_url="http://loyalty", headers=headers) as client:
            yield client


class BrokenAccounts(InMemoryAccounts):
    """Accounts whose every read fails with `error`."""

    def __init__(self, error: Exception) -> None:
        super().__init__(InMemoryTables())
        self.error = error

    async def get(self, customer_id: str) -> LoyaltyAccount | None:
        raise self.error


@pytest.fixture
def accounts() -> InMemoryAccounts:
    store = InMemoryAccounts(InMemoryTables())
    account = LoyaltyAccount(
        customer_id="c1", tier="SILVER", tier_as_of="2025-02", points_by_month={"2024-03": 50, "2025-03": 1200}
    )
    account.points_balance = 1250
    account.credit("o1", 30, "2025-03", NOW)
    account.reverse("o0", 200, "2025-03", NOW)  # an earlier order whose payment failed
    store.put(account)
    return store


async def test_get_loyalty_shows_balance_tier_qualifying_points_and_reversals(accounts: InMemoryAccounts) -> None:
    async with _client(accounts) as client:
        response = await client.get("/customers/c1/loyalty")
    assert response.status_code == 200
    assert response.json() == {
        "customer_id": "c1",
        "points_balance": 1080,
        "tier": "SILVER",
        "tier_as_of": "2025-02",
        # 2024-03 is outside the 12 months up to March 2025.
        "qualifying_points": 1030,
        "recent_credits": [{"order_id": "o1", "points": 30, "month": "2025-03", "credited_at": "2025-03-14T12:00:00Z"}],
        "recent_reversals": [
            {"order_id": "o0", "points": 200, "month": "2025-03", "reversed_at": "2025-03-14T12:00:00Z"}
        ],
    }


async def test_unknown_customer_is_a_404_problem(accounts: InMemoryAccounts) -> None:
    async with _client(accounts, as_customer="nobody") as client:
        response = await client.get("/customers/nobody/loyalty")
    assert response.status_code == 404
    assert problem_of(response) == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "No loyalty account for customer nobody.",
        "instance": "/customers/nobody/loyalty",
        "code": "not_found",
        "details": [],
    }


async def test_too_long_customer_id_is_a_422_problem_naming_the_field(accounts: InMemoryAccounts) -> None:
    async with _client(accounts) as client:
        response = await client.get(f"/customers/{'x' * 129}/loyalty")
    assert response.status_code == 422
    body = problem_of(response)
    assert body["code"] == "validation_error"
    assert [detail["field"] for detail in body["details"]] == ["path.customer_id"]


async def test_an_unexpected_error_is_a_500_problem_that_tells_nothing_of_it() -> None:
    async with _client(BrokenAccounts(RuntimeError("secret internals"))) as client:
        response = await client.get("/customers/c1/loyalty")
    assert response.status_code == 500
    body = problem_of(response)
    assert body["code"] == "internal_error"
    assert "secret" not in response.text


@pytest.mark.parametrize(
    "outage",
    [
        DependencyUnavailable("DynamoDB"),
        # What DynamoDbAccounts raises when the table is throttled: the shared handler maps it too.
        ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}, "GetItem"),
    ],
    ids=["dependency-unavailable", "dynamodb-throttled"],
)
async def test_an_unavailable_accounts_table_is_a_503_problem_with_retry_after(outage: Exception) -> None:
    async with _client(BrokenAccounts(outage)) as client:
        response = await client.get("/customers/c1/loyalty")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert problem_of(response)["code"] == "unavailable"


async def test_the_openapi_document_declares_every_error_as_a_problem(accounts: InMemoryAccounts) -> None:
    async with _client(accounts) as client:
        document = (await client.get("/openapi.json")).json()
    responses = document["paths"]["/customers/{customer_id}/loyalty"]["get"]["responses"]
    errors = {status: response for status, response in responses.items() if int(status) >= 400}
    assert set(errors) == {"401", "403", "404", "422", "503"}
    for response in errors.values():
        assert response["content"] == {PROBLEM: response["content"][PROBLEM]}
        assert response["content"][PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert "no_account" in errors["404"]["content"][PROBLEM]["examples"]
    assert "Problem" in document["components"]["schemas"]
    assert document["paths"]["/customers/{customer_id}/loyalty"]["get"]["security"] == [{"bearerAuth": []}]
    assert "security" not in document["paths"]["/health"]["get"]


async def test_reading_without_a_token_is_401(accounts: InMemoryAccounts) -> None:
    async with _client(accounts, as_customer=None) as client:
        response = await client.get("/customers/c1/loyalty")
    problem_of(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="shop"'
    assert "1080" not in response.text


@pytest.mark.parametrize("kind", ["forged", "alg-none"])
async def test_a_forged_or_unsigned_token_is_401(accounts: InMemoryAccounts, kind: str) -> None:
    forger = TestIssuer(issuer=ISSUER.issuer, kid=ISSUER.kid)
    token = forger.mint("c1") if kind == "forged" else ISSUER.mint_unsigned("c1")
    async with _client(accounts, as_customer=None) as client:
        response = await client.get("/customers/c1/loyalty", headers={"Authorization": f"Bearer {token}"})
    problem_of(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="shop", error="invalid_token"'


@pytest.mark.parametrize("customer_id", ["c1", "nobody"], ids=["existing-account", "no-account"])
async def test_another_customers_account_is_403_whether_it_exists_or_not(
    accounts: InMemoryAccounts, customer_id: str
) -> None:
    async with _client(accounts, as_customer="c-intruder") as client:
        response = await client.get(f"/customers/{customer_id}/loyalty")
    problem = problem_of(response, 403, "forbidden")
    assert problem["detail"] == "The token's subject is another customer."
    assert "1080" not in response.text and "SILVER" not in response.text


async def test_health_is_ok_while_the_loops_run(accounts: InMemoryAccounts) -> None:
    async def runs(stop: asyncio.Event) -> None:
        await stop.wait()

    async with _client(accounts, {"consumer": runs}) as client:
        response = await client.get("/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_health_reports_a_loop_that_died(accounts: InMemoryAccounts) -> None:
    async def dies(_: asyncio.Event) -> None:
        raise RuntimeError("boom")

    async with _client(accounts, {"consumer": dies}) as client:
        await asyncio.sleep(0)  # let the loop run and die
        response = await client.get("/health")
    assert response.status_code == 503
    assert response.json() == {"status": "unhealthy", "stopped_loops": ["consumer"]}
