"""The provider adapter against the real simulated provider: retries, Retry-After, timeouts, declines."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
import uvicorn
from shop_devtools.payment_provider_sim import ProviderSimSettings, create_app
from shop_devtools.testing.fixtures import free_port
from shop_payment.adapters.payment_provider import HttpPaymentProvider, parse_retry_after
from shop_payment.domain import ChargeAmbiguous, ChargeDeclined, ChargeRequest, ChargeSucceeded
from shop_payment.exceptions import ChargeDeferred

SUCCESS_TOKEN = "tok_success"
FAST_BACKOFF = {"backoff_initial_seconds": 0.01, "backoff_max_seconds": 0.05}


class RecordingTransport(httpx.AsyncBaseTransport):
    """Passes requests to the simulator and notes the status of every answer to a charge."""

    def __init__(self, app: Any) -> None:
        self._inner = httpx.ASGITransport(app=app)
        self.statuses: list[int] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        if request.method == "POST":
            self.statuses.append(response.status_code)
        return response


def _simulator(**settings: Any) -> tuple[Any, RecordingTransport]:
    app = create_app(ProviderSimSettings(**{"latency_ms": 0, **settings}))
    return app, RecordingTransport(app)


def _request(token: str = SUCCESS_TOKEN) -> ChargeRequest:
    return ChargeRequest(
        amount=Decimal("39.98"), currency="USD", token=token, idempotency_key=str(uuid.uuid4()), order_id="o-1"
    )


async def _charged(client: httpx.AsyncClient, key: str) -> list[dict[str, Any]]:
    charges: list[dict[str, Any]] = (await client.get("/v1/charges", params={"idempotency_key": key})).json()["charges"]
    return charges


async def test_success_returns_the_charge_id() -> None:
    _, transport = _simulator()
    async with httpx.AsyncClient(transport=transport, base_url="http://provider") as client:
        request = _request()
        outcome = await HttpPaymentProvider(client, **FAST_BACKOFF).charge(request)
        charges = await _charged(client, request.idempotency_key)

    assert isinstance(outcome, ChargeSucceeded)
    assert [c["charge_id"] for c in charges] == [outcome.charge_id]
    assert charges[0]["amount"] == "39.98"


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("tok_declined", "card_declined"),
        ("tok_insufficient_funds", "insufficient_funds"),
        ("tok_expired", "card_expired"),
        ("tok_unknown", "card_declined"),
    ],
)
async def test_declines_map_to_reasons_without_retrying(token: str, reason: str) -> None:
    _, transport = _simulator()
    async with httpx.AsyncClient(transport=transport, base_url="http://provider") as client:
        outcome = await HttpPaymentProvider(client, **FAST_BACKOFF).charge(_request(token))

    assert outcome == ChargeDeclined(reason=reason)  # type: ignore[arg-type]
    assert transport.statuses == [402]


async def test_a_429_is_retried_after_its_retry_after() -> None:
    # Seed 1 with one draw per request: the first charge is rate limited, the second goes through.
    _, transport = _simulator(rate_limit_rate=0.5, seed=1)
    loop = asyncio.get_running_loop()
    async with httpx.AsyncClient(transport=transport, base_url="http://provider") as client:
        request = _request()
        started = loop.time()
        outcome = await HttpPaymentProvider(client, **FAST_BACKOFF).charge(request)
        elapsed = loop.time() - started
        charges = await _charged(client, request.idempotency_key)

    assert transport.statuses[:2] == [429, 201]
    assert isinstance(outcome, ChargeSucceeded) and len(charges) == 1
    assert elapsed >= 1.0, "Retry-After: 1 was honoured although the backoff is 10 ms"


async def test_500s_are_retried_until_success() -> None:
    # Seed 7: two failures, then success.
    _, transport = _simulator(error_rate=0.6, seed=7)
    async with httpx.AsyncClient(transport=transport, base_url="http://provider") as client:
        request = _request()
        outcome = await HttpPaymentProvider(client, max_attempts=5, **FAST_BACKOFF).charge(request)
        charges = await _charged(client, request.idempotency_key)

    assert transport.statuses[:3] == [500, 500, 201]
    assert isinstance(outcome, ChargeSucceeded) and [c["charge_id"] for c in charges] == [outcome.charge_id]


async def test_retries_exhausted_on_5xx_are_ambiguous_never_a_decline() -> None:
    _, transport = _simulator(error_rate=1.0)
    async with httpx.AsyncClient(transport=transport, base_url="http://provider") as client:
        request = _request()
        outcome = await HttpPaymentProvider(client, max_attempts=3, **FAST_BACKOFF).charge(request)
        charges = await _charged(client, request.idempotency_key)

    assert isinstance(outcome, ChargeAmbiguous), "a 5xx may hide a charge: the payment is looked up"
    assert transport.statuses == [500, 500, 500]
    assert charges == []


async def test_a_409_is_ambiguous_never_a_decline() -> None:
    _, transport = _simulator()
    async with httpx.AsyncClient(transport=transport, base_url="http://provider") as client:
        request = _request()
        first = await HttpPaymentProvider(client, **FAST_BACKOFF).charge(request)
        # The same key with other parameters: 409. Whatever it means, the key's charge exists or not: a
        # lookup decides, a decline would be a lie.
        outcome = await HttpPaymentProvider(client, max_attempts=2, **FAST_BACKOFF).charge(
            request.model_copy(update={"amount": Decimal("1.00")})
        )
        found = await HttpPaymentProvider(client, **FAST_BACKOFF).find_charge(request.idempotency_key)

    assert isinstance(outcome, ChargeAmbiguous)
    assert transport.statuses == [201, 409, 409]
    assert found == first


async def test_a_request_the_provider_rejects_defers_the_payment_instead_of_failing_it() -> None:
    app, transport = _simulator()
    async with httpx.AsyncClient(transport=transport, base_url="http://provider") as client:
        with pytest.raises(ChargeDeferred):  # 422: our request is malformed, not the customer's card
            await HttpPaymentProvider(client, **FAST_BACKOFF).charge(_request().model_copy(update={"currency": "US"}))

    assert transport.statuses == [422], "not retried: the same request gets the same answer"
    assert app.state.ledger.charges == []


@pytest.fixture
async def slow_provider_url() -> AsyncIterator[str]:
    """The simulator on a real socket (timeouts need one), answering after 300 ms."""
    port = free_port()
    config = uvicorn.Config(
        create_app(ProviderSimSettings(latency_ms=300)), host="127.0.0.1", port=port, log_config=None, lifespan="off"
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):
        while not server.started:  # noqa: ASYNC110  (uvicorn exposes a flag, not an event)
            await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await asyncio.wait_for(serving, timeout=10)


async def test_timeouts_are_retried_with_one_key_so_nothing_is_charged_twice(slow_provider_url: str) -> None:
    request = _request()
    timeout = httpx.Timeout(1.0, read=0.1)
    async with httpx.AsyncClient(base_url=slow_provider_url, timeout=timeout) as impatient:
        outcome = await HttpPaymentProvider(impatient, max_attempts=3, **FAST_BACKOFF).charge(request)
    assert isinstance(outcome, ChargeAmbiguous), "the requests went out: charged or not, only a lookup can tell"

    async with httpx.AsyncClient(base_url=slow_provider_url, timeout=5.0) as patient:
        await asyncio.sleep(0.4)  # let the last abandoned request finish on the provider's side
        charges = await _charged(patient, request.idempotency_key)
        again = await HttpPaymentProvider(patient, **FAST_BACKOFF).charge(request)

    assert len(charges) == 1, "three attempts reached the provider; the key made them one charge"
    assert again == ChargeSucceeded(charge_id=charges[0]["charge_id"])


async def test_an_unreachable_provider_defers_the_payment() -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{free_port()}", timeout=1.0) as client:
        with pytest.raises(ChargeDeferred):  # connection refused: nothing was sent, nothing to look up
            await HttpPaymentProvider(client, max_attempts=2, **FAST_BACKOFF).charge(_request())


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)

    assert parse_retry_after("1") == 1.0
    assert parse_retry_after(" 30 ") == 30.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=5), usegmt=True), now=now) == 5.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=5), usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
