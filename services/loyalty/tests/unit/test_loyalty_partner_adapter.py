"""The partner adapter against the real simulated partner app (over ASGI): retries, idempotency, giving up."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from shop_devtools.loyalty_partner_sim import PartnerSimSettings, create_app
from shop_loyalty.adapters import HttpLoyaltyPartner
from shop_loyalty.exceptions import PartnerRejected, PartnerUnavailable


def _partner(max_attempts: int, **settings: object) -> tuple[HttpLoyaltyPartner, httpx.AsyncClient]:
    app = create_app(PartnerSimSettings(**{"latency_ms": 0, **settings}))  # type: ignore[arg-type]
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://partner", timeout=2)
    adapter = HttpLoyaltyPartner(
        client, max_attempts=max_attempts, backoff_initial_seconds=0.001, backoff_max_seconds=0.01
    )
    return adapter, client


async def test_retries_through_failures_and_the_partner_counts_the_credit_once() -> None:
    adapter, client = _partner(max_attempts=30, error_rate=0.5, seed=7)
    orders = [f"order-{uuid.uuid4()}" for _ in range(10)]
    async with client:
        for order_id in orders:
            await adapter.report_credit(customer_id="c1", order_id=order_id, points=5)
        await adapter.report_credit(customer_id="c1", order_id=orders[0], points=5)  # told again
        stats = (await client.get("/sim/stats")).json()
        credits = (await client.get("/v1/credits", params={"customer_id": "c1"})).json()["credits"]
    assert stats["errors"] > 0  # the retries were needed
    assert stats["accepted"] == 10 and stats["replayed"] == 1
    assert sorted(c["order_id"] for c in credits) == sorted(orders)


async def test_gives_up_with_partner_unavailable_when_every_attempt_fails() -> None:
    adapter, client = _partner(max_attempts=3, error_rate=1.0)
    async with client:
        with pytest.raises(PartnerUnavailable):
            await adapter.report_credit(customer_id="c1", order_id="order-1", points=5)
        stats = (await client.get("/sim/stats")).json()
    assert stats["requests"] == 3 and stats["accepted"] == 0


class TimingOutTransport(httpx.AsyncBaseTransport):
    """ASGITransport ignores timeouts; this gives up on a slow answer as a real connection's read timeout does."""

    def __init__(self, inner: httpx.AsyncBaseTransport, seconds: float) -> None:
        self._inner = inner
        self._seconds = seconds
        self.attempts = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.attempts += 1
        try:
            return await asyncio.wait_for(self._inner.handle_async_request(request), self._seconds)
        except TimeoutError as error:
            raise httpx.ReadTimeout("partner too slow", request=request) from error


async def test_a_timeout_is_retried_then_given_up() -> None:
    transport = TimingOutTransport(httpx.ASGITransport(app=create_app(PartnerSimSettings(latency_ms=300))), 0.05)
    client = httpx.AsyncClient(transport=transport, base_url="http://partner")
    adapter = HttpLoyaltyPartner(client, max_attempts=3, backoff_initial_seconds=0.001, backoff_max_seconds=0.01)
    async with client:
        with pytest.raises(PartnerUnavailable, match="order-slow"):
            await adapter.report_credit(customer_id="c1", order_id="order-slow", points=1)
    assert transport.attempts == 3


async def test_a_refused_request_is_not_retried() -> None:
    adapter, client = _partner(max_attempts=5)
    async with client:
        await adapter.report_credit(customer_id="c1", order_id="order-1", points=5)
        with pytest.raises(PartnerRejected):
            await adapter.report_credit(customer_id="c1", order_id="order-1", points=6)  # other values: 409
        stats = (await client.get("/sim/stats")).json()
    assert stats["conflicts"] == 1 and stats["requests"] == 2


async def test_a_reversal_is_retried_through_failures_and_counted_once() -> None:
    adapter, client = _partner(max_attempts=30, error_rate=0.5, seed=3)
    async with client:
        await adapter.report_credit(customer_id="c1", order_id="order-1", points=5)
        await adapter.report_reversal(customer_id="c1", order_id="order-1", points=5)
        await adapter.report_reversal(customer_id="c1", order_id="order-1", points=5)  # told again
        stats = (await client.get("/sim/stats")).json()
        reversals = (await client.get("/v1/reversals", params={"customer_id": "c1"})).json()["reversals"]
    assert stats["errors"] > 0
    assert (stats["reversals_accepted"], stats["reversals_replayed"]) == (1, 1)
    assert [(r["order_id"], r["points"]) for r in reversals] == [("order-1", 5)]


async def test_a_reversal_of_a_credit_the_partner_never_heard_of_is_refused() -> None:
    adapter, client = _partner(max_attempts=5)
    async with client:
        with pytest.raises(PartnerRejected, match="order-unknown"):
            await adapter.report_reversal(customer_id="c1", order_id="order-unknown", points=5)
        stats = (await client.get("/sim/stats")).json()
    assert stats["unknown_credits"] == 1 and stats["requests"] == 1
