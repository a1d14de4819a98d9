"""Rate limit and circuit breaker of the provider adapter, against the real simulated provider (in process),
with outages injected at the HTTP boundary: which answers count as failures, opening, recovery, pacing."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal
from typing import Any, Literal

import httpx
import pytest
from shop_devtools.payment_provider_sim import ProviderSimSettings, create_app
from shop_payment.adapters.payment_provider import HttpPaymentProvider
from shop_payment.adapters.provider_guard import ProviderGuard
from shop_payment.domain import ChargeAmbiguous, ChargeDeclined, ChargeRequest, ChargeSucceeded
from shop_payment.exceptions import ChargeDeferred

Outage = Literal["500", "timeout", "refused"]
NO_BACKOFF = {"backoff_initial_seconds": 0.0, "backoff_max_seconds": 0.0, "max_retry_after_seconds": 0.0}
NEVER_OPENS = 1000
SUCCESS_TOKEN = "tok_success"


class ScriptedTransport(httpx.AsyncBaseTransport):
    """The simulator behind an outage switch: `outage` fails every charge, `script` the next few."""

    def __init__(self, **simulator: Any) -> None:
        self._simulator = httpx.ASGITransport(app=create_app(ProviderSimSettings(**{"latency_ms": 0, **simulator})))
        self.outage: Outage | None = None
        self.script: list[Outage | None] = []
        self.statuses: list[int | str] = []  # what each charge attempt got

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method != "POST":
            return await self._simulator.handle_async_request(request)
        outage = self.script.pop(0) if self.script else self.outage
        if outage == "timeout":
            self.statuses.append("timeout")
            raise httpx.ReadTimeout("simulated", request=request)
        if outage == "refused":
            self.statuses.append("refused")
            raise httpx.ConnectError("simulated", request=request)
        if outage == "500":
            self.statuses.append(503)
            return httpx.Response(503, json={"error": {"type": "unavailable"}})
        response = await self._simulator.handle_async_request(request)
        self.statuses.append(response.status_code)
        return response


def _request(token: str = SUCCESS_TOKEN) -> ChargeRequest:
    return ChargeRequest(
        amount=Decimal("12.50"), currency="USD", token=token, idempotency_key=str(uuid.uuid4()), order_id="o-1"
    )


def _provider(
    transport: ScriptedTransport, guard: ProviderGuard, *, max_attempts: int = 5
) -> tuple[HttpPaymentProvider, httpx.AsyncClient]:
    client = httpx.AsyncClient(transport=transport, base_url="http://provider")
    return HttpPaymentProvider(client, guard=guard, max_attempts=max_attempts, **NO_BACKOFF), client


@pytest.mark.parametrize("outage", ["500", "timeout", "refused"])
async def test_consecutive_failures_open_the_circuit_and_payments_wait(outage: Outage) -> None:
    transport = ScriptedTransport()
    transport.outage = outage
    guard = ProviderGuard(failure_threshold=3, recovery_seconds=60)
    provider, client = _provider(transport, guard, max_attempts=5)
    async with client:
        if outage == "refused":  # never reached the provider: nothing to look up, the payment just waits
            with pytest.raises(ChargeDeferred):
                await provider.charge(_request())
        else:  # the requests went out and their answers were lost: the charge is looked up, not failed
            assert isinstance(await provider.charge(_request()), ChargeAmbiguous)
        assert len(transport.statuses) == 3, "the third failure opened it; attempts 4 and 5 were not made"
        assert await guard.is_open()

        with pytest.raises(ChargeDeferred):
            await provider.charge(_request())
    assert len(transport.statuses) == 3, "while open, the provider is not asked"


async def test_declines_are_answers_not_failures() -> None:
    transport = ScriptedTransport()
    guard = ProviderGuard(failure_threshold=2)
    provider, client = _provider(transport, guard)
    async with client:
        outcomes = [await provider.charge(_request("tok_declined")) for _ in range(5)]

    assert outcomes == [ChargeDeclined(reason="card_declined")] * 5
    assert transport.statuses == [402] * 5
    assert not await guard.is_open()


async def test_rate_limited_answers_do_not_open_the_circuit() -> None:
    transport = ScriptedTransport(rate_limit_rate=1.0)
    guard = ProviderGuard(failure_threshold=2)
    provider, client = _provider(transport, guard, max_attempts=4)
    async with client:
        with pytest.raises(ChargeDeferred):  # 429 means not charged: the payment waits, never fails
            await provider.charge(_request())

    assert transport.statuses == [429] * 4
    assert not await guard.is_open()


async def test_only_consecutive_failures_count() -> None:
    transport = ScriptedTransport()
    guard = ProviderGuard(failure_threshold=3)
    provider, client = _provider(transport, guard)
    async with client:
        for _ in range(3):
            transport.script = ["500", "500"]  # two failures, then a success resets the count
            assert isinstance(await provider.charge(_request()), ChargeSucceeded)

    assert transport.statuses == [503, 503, 201] * 3
    assert not await guard.is_open()


async def test_after_the_recovery_time_a_success_closes_the_circuit() -> None:
    transport = ScriptedTransport()
    transport.outage = "500"
    guard = ProviderGuard(failure_threshold=1, recovery_seconds=0.2)
    provider, client = _provider(transport, guard)
    async with client:
        assert isinstance(await provider.charge(_request()), ChargeAmbiguous)  # a 503 may hide a charge
        transport.outage = None  # the provider is back, but the circuit is still open
        with pytest.raises(ChargeDeferred):
            await provider.charge(_request())
        assert transport.statuses == [503]

        await asyncio.sleep(0.25)
        outcome = await provider.charge(_request())

    assert isinstance(outcome, ChargeSucceeded)
    assert transport.statuses == [503, 201]
    assert not await guard.is_open()


async def test_a_failure_while_half_open_opens_the_circuit_again() -> None:
    transport = ScriptedTransport()
    transport.outage = "timeout"
    guard = ProviderGuard(failure_threshold=2, recovery_seconds=0.2)
    provider, client = _provider(transport, guard)
    async with client:
        assert isinstance(await provider.charge(_request()), ChargeAmbiguous)
        await asyncio.sleep(0.25)
        assert isinstance(await provider.charge(_request()), ChargeAmbiguous)
        assert transport.statuses == ["timeout"] * 3, "one trial attempt, not a fresh count of two"
        with pytest.raises(ChargeDeferred):
            await provider.charge(_request())

    assert len(transport.statuses) == 3
    assert await guard.is_open()


async def test_every_attempt_waits_for_the_rate_limit() -> None:
    # Five attempts a second: the first five go at once, retries six to eight wait 0.2 s each.
    transport = ScriptedTransport()
    provider, client = _provider(
        transport, ProviderGuard(rate_limit_per_second=5, failure_threshold=NEVER_OPENS), max_attempts=8
    )
    loop = asyncio.get_running_loop()
    async with client:
        transport.script = ["500"] * 7
        started = loop.time()
        outcome = await provider.charge(_request())
        elapsed = loop.time() - started

    assert isinstance(outcome, ChargeSucceeded) and len(transport.statuses) == 8
    assert elapsed >= 0.55, f"eight attempts at 5/s took only {elapsed:.2f} s"


async def test_concurrent_charges_share_one_rate_limit() -> None:
    transport = ScriptedTransport()
    guard = ProviderGuard(rate_limit_per_second=10, failure_threshold=NEVER_OPENS)
    provider, client = _provider(transport, guard)
    loop = asyncio.get_running_loop()
    async with client:
        started = loop.time()
        outcomes = await asyncio.gather(*(provider.charge(_request()) for _ in range(15)))
        elapsed = loop.time() - started

    assert all(isinstance(outcome, ChargeSucceeded) for outcome in outcomes)
    assert elapsed >= 0.45, f"15 charges at 10/s took only {elapsed:.2f} s"


async def test_a_generous_rate_limit_adds_no_wait() -> None:
    transport = ScriptedTransport()
    provider, client = _provider(transport, ProviderGuard(rate_limit_per_second=1000, failure_threshold=NEVER_OPENS))
    loop = asyncio.get_running_loop()
    async with client:
        started = loop.time()
        outcomes = await asyncio.gather(*(provider.charge(_request()) for _ in range(15)))
        elapsed = loop.time() - started

    assert all(isinstance(outcome, ChargeSucceeded) for outcome in outcomes)
    assert elapsed < 0.4


def test_a_rate_below_one_per_second_is_accepted_and_a_non_positive_one_refused() -> None:
    ProviderGuard(rate_limit_per_second=0.5)
    with pytest.raises(ValueError, match="positive"):
        ProviderGuard(rate_limit_per_second=0)
