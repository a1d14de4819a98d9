"""The simulated payment provider: outcomes by token, idempotency by key, injected faults."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from shop_devtools.payment_provider_sim import ProviderSimSettings, create_app
from shop_devtools.runtime import free_port


def _client(**settings: object) -> httpx.AsyncClient:
    app = create_app(ProviderSimSettings(**{"latency_ms": 0, **settings}))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://provider")


@pytest.fixture
async def provider() -> AsyncIterator[httpx.AsyncClient]:
    async with _client() as client:
        yield client


SUCCESS_TOKEN = "tok_success"


def _charge(token: str = SUCCESS_TOKEN) -> dict[str, str]:
    return {"amount": "39.98", "currency": "USD", "token": token, "idempotency_key": str(uuid.uuid4())}


async def test_success_token_charges_and_is_listed(provider: httpx.AsyncClient) -> None:
    body = _charge()
    response = await provider.post("/v1/charges", json=body)

    assert response.status_code == 201
    answer = response.json()
    assert answer["status"] == "succeeded" and answer["charge_id"].startswith("ch_")
    listed = (await provider.get("/v1/charges", params={"idempotency_key": body["idempotency_key"]})).json()
    assert [c["charge_id"] for c in listed["charges"]] == [answer["charge_id"]]
    assert listed["charges"][0]["amount"] == "39.98"
    assert "token" not in listed["charges"][0]


@pytest.mark.parametrize(
    ("token", "decline_code"),
    [
        ("tok_declined", "card_declined"),
        ("tok_insufficient_funds", "insufficient_funds"),
        ("tok_expired", "card_expired"),
        ("tok_anything_else", "card_declined"),
    ],
)
async def test_decline_tokens(provider: httpx.AsyncClient, token: str, decline_code: str) -> None:
    body = _charge(token)
    response = await provider.post("/v1/charges", json=body)

    assert response.status_code == 402
    assert response.json() == {"status": "declined", "decline_code": decline_code}
    listed = await provider.get("/v1/charges", params={"idempotency_key": body["idempotency_key"]})
    assert listed.json() == {"charges": []}


async def test_same_key_returns_first_result_and_charges_once(provider: httpx.AsyncClient) -> None:
    body = _charge()
    first = await provider.post("/v1/charges", json=body)
    again = await provider.post("/v1/charges", json=body)

    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    listed = (await provider.get("/v1/charges", params={"idempotency_key": body["idempotency_key"]})).json()
    assert len(listed["charges"]) == 1


async def test_concurrent_requests_with_one_key_charge_once_the_others_get_409_in_flight() -> None:
    body = _charge()
    async with _client(latency_ms=50) as client:
        answers = await asyncio.gather(*(client.post("/v1/charges", json=body) for _ in range(5)))
        listed = (await client.get("/v1/charges", params={"idempotency_key": body["idempotency_key"]})).json()
        stats = (await client.get("/sim/stats")).json()

    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409, 409]
    assert {a.json()["error"]["type"] for a in answers if a.status_code == 409} == {"idempotency_key_in_use"}
    assert len(listed["charges"]) == 1 and stats["in_flight_conflicts"] == 4


async def test_reusing_a_key_with_other_parameters_is_refused(provider: httpx.AsyncClient) -> None:
    body = _charge()
    await provider.post("/v1/charges", json=body)
    response = await provider.post("/v1/charges", json={**body, "amount": "1.00"})

    assert response.status_code == 409


async def test_invalid_request_is_422(provider: httpx.AsyncClient) -> None:
    response = await provider.post("/v1/charges", json={"amount": "-1", "currency": "USD", "token": "tok_success"})

    assert response.status_code == 422


async def test_rate_limited_answers_429_with_retry_after_and_charges_nothing() -> None:
    body = _charge()
    async with _client(rate_limit_rate=1.0) as client:
        response = await client.post("/v1/charges", json=body)
        listed = (await client.get("/v1/charges")).json()

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert listed == {"charges": []}


async def test_errors_answer_500_and_charge_nothing() -> None:
    async with _client(error_rate=1.0) as client:
        response = await client.post("/v1/charges", json=_charge())
        listed = (await client.get("/v1/charges")).json()

    assert response.status_code == 500
    assert listed == {"charges": []}


async def test_seeded_faults_are_reproducible() -> None:
    async def statuses(seed: int) -> list[int]:
        async with _client(error_rate=0.3, rate_limit_rate=0.3, seed=seed) as client:
            return [(await client.post("/v1/charges", json=_charge())).status_code for _ in range(20)]

    first = await statuses(7)
    assert first == await statuses(7)
    assert {201, 429, 500} <= set(first)


async def test_stats_count_how_each_request_was_answered() -> None:
    async with _client(error_rate=0.3, rate_limit_rate=0.3, seed=7) as client:
        statuses = [(await client.post("/v1/charges", json=_charge())).status_code for _ in range(20)]
        declined = _charge("tok_declined")
        statuses += [(await client.post("/v1/charges", json=declined)).status_code for _ in range(6)]
        stats = (await client.get("/sim/stats")).json()

    assert stats["requests"] == len(statuses) == 26
    assert stats["rate_limited"] == statuses.count(429) and stats["errors"] == statuses.count(500)
    assert stats["succeeded"] == statuses[:20].count(201)
    assert stats["declined"] == 1 and stats["replayed"] == statuses[20:].count(402) - 1
    assert stats["conflicts"] == 0


async def test_latency_is_applied() -> None:
    loop = asyncio.get_running_loop()
    async with _client(latency_ms=200) as client:
        started = loop.time()
        await client.post("/v1/charges", json=_charge())
        elapsed = loop.time() - started

    assert elapsed >= 0.2


async def test_health(provider: httpx.AsyncClient) -> None:
    assert (await provider.get("/health")).json() == {"status": "ok"}


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROVIDER_SIM_PORT", "9999")
    monkeypatch.setenv("PROVIDER_SIM_ERROR_RATE", "0.25")
    monkeypatch.setenv("PROVIDER_SIM_SEED", "3")
    settings = ProviderSimSettings()

    assert (settings.port, settings.error_rate, settings.seed, settings.latency_ms) == (9999, 0.25, 3, 50)
    assert settings.host == "127.0.0.1" and settings.rate_limit_rate == 0.0


async def test_charges_carry_their_order_id_and_are_found_by_it(provider: httpx.AsyncClient) -> None:
    body = {**_charge(), "metadata": {"order_id": "order-42"}}
    charged = (await provider.post("/v1/charges", json=body)).json()
    await provider.post("/v1/charges", json={**_charge(), "metadata": {"order_id": "order-43"}})

    listed = (await provider.get("/v1/charges", params={"order_id": "order-42"})).json()["charges"]

    assert [c["charge_id"] for c in listed] == [charged["charge_id"]]
    assert listed[0]["metadata"] == {"order_id": "order-42"} and listed[0]["refunded"] is False


async def test_a_lost_answer_takes_the_money_then_answers_late_and_the_key_stays_in_flight() -> None:
    body = _charge()
    async with _client(timeout_after_charge_rate=1.0, drop_share=0.0, late_answer_ms=400) as client:
        late = asyncio.create_task(client.post("/v1/charges", json=body))
        await asyncio.sleep(0.15)
        # Meanwhile: the charge exists, and a retry with the key is told it is still in flight.
        listed = (await client.get("/v1/charges", params={"idempotency_key": body["idempotency_key"]})).json()
        retry = await client.post("/v1/charges", json=body)
        answer = await asyncio.wait_for(late, timeout=5)
        stats = (await client.get("/sim/stats")).json()

    assert len(listed["charges"]) == 1 and retry.status_code == 409
    assert answer.status_code == 201 and answer.json()["charge_id"] == listed["charges"][0]["charge_id"]
    assert stats["answered_late"] == 1 and stats["succeeded"] == 1


@pytest.fixture
async def dropping_provider_url() -> AsyncIterator[str]:
    """The simulator on a real socket, dropping the connection after every successful charge."""
    port = free_port()
    settings = ProviderSimSettings(latency_ms=0, timeout_after_charge_rate=1.0, drop_share=1.0)
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_config=None, lifespan="off")
    )
    serving = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):
        while not server.started:  # noqa: ASYNC110  (uvicorn exposes a flag, not an event)
            await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await asyncio.wait_for(serving, timeout=10)


async def test_a_dropped_answer_takes_the_money_and_the_client_gets_no_status(dropping_provider_url: str) -> None:
    body = _charge()
    async with httpx.AsyncClient(base_url=dropping_provider_url, timeout=5) as client:
        with pytest.raises(httpx.TransportError):
            await client.post("/v1/charges", json=body)
        listed = (await client.get("/v1/charges", params={"idempotency_key": body["idempotency_key"]})).json()
        replay = await client.post("/v1/charges", json=body)
        stats = (await client.get("/sim/stats")).json()

    assert len(listed["charges"]) == 1 and stats["dropped"] == 1
    assert replay.status_code == 201 and replay.json()["charge_id"] == listed["charges"][0]["charge_id"]


async def test_a_refund_is_made_once_per_key_and_marks_the_charge(provider: httpx.AsyncClient) -> None:
    charge = (await provider.post("/v1/charges", json=_charge())).json()
    refund = {"charge_id": charge["charge_id"], "idempotency_key": "refund-1"}

    first = await provider.post("/v1/refunds", json=refund)
    again = await provider.post("/v1/refunds", json=refund)
    missing = await provider.post("/v1/refunds", json={"charge_id": "ch_nope", "idempotency_key": "refund-2"})
    listed = (await provider.get("/v1/charges")).json()["charges"]
    stats = (await provider.get("/sim/stats")).json()

    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert first.json()["charge_id"] == charge["charge_id"] and missing.status_code == 404
    assert listed[0]["refunded"] is True and stats["refunds"] == 1
