"""The HTTP API with in-memory accounts: the account view, the error shape and the health check."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime

import httpx
import pytest
from shop_loyalty.adapters.memory import InMemoryAccounts, InMemoryTables
from shop_loyalty.bootstrap import LoyaltyComponents
from shop_loyalty.domain import LoyaltyAccount
from shop_loyalty.entrypoints.api import create_app
from shop_loyalty.settings import LoyaltySettings

NOW = datetime(2025, 3, 14, 12, tzinfo=UTC)
SETTINGS = LoyaltySettings(order_events_queue="q", accounts_table="a", ledger_table="l", shutdown_grace_seconds=1)
Loop = Callable[[asyncio.Event], Awaitable[None]]


@asynccontextmanager
async def _client(accounts: InMemoryAccounts, loops: dict[str, Loop] | None = None) -> AsyncIterator[httpx.AsyncClient]:
    async def fake_bootstrap(_: LoyaltySettings, __: AsyncExitStack) -> LoyaltyComponents:
        return LoyaltyComponents(accounts=accounts, clock=lambda: NOW, loops=loops or {})

    app = create_app(SETTINGS, fake_bootstrap)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://loyalty") as client:
            yield client


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


async def test_unknown_customer_is_a_404_in_the_shared_error_shape(accounts: InMemoryAccounts) -> None:
    async with _client(accounts) as client:
        response = await client.get("/customers/nobody/loyalty")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert set(response.json()["error"]) == {"code", "message", "details"}


async def test_too_long_customer_id_is_a_422(accounts: InMemoryAccounts) -> None:
    async with _client(accounts) as client:
        response = await client.get(f"/customers/{'x' * 129}/loyalty")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


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
