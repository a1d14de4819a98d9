"""The simulated loyalty partner: idempotent by order, listed per customer, failures and latency injected."""

from __future__ import annotations

import time
import uuid

import httpx
from shop_devtools.loyalty_partner_sim import PartnerSimSettings, create_app


def _client(**settings: object) -> httpx.AsyncClient:
    app = create_app(PartnerSimSettings(**{"latency_ms": 0, **settings}))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://partner")


def _credit(customer_id: str = "c1", points: int = 12) -> dict[str, object]:
    return {"customer_id": customer_id, "order_id": f"order-{uuid.uuid4()}", "points": points}


def test_defaults() -> None:
    settings = PartnerSimSettings()
    assert (settings.port, settings.latency_ms, settings.error_rate, settings.seed) == (8011, 200, 0.0, None)


async def test_the_same_order_gets_the_same_answer_and_counts_once() -> None:
    body = _credit()
    async with _client() as partner:
        first = await partner.post("/v1/credits", json=body)
        again = await partner.post("/v1/credits", json=body)
        listed = (await partner.get("/v1/credits", params={"customer_id": "c1"})).json()["credits"]
        stats = (await partner.get("/sim/stats")).json()
    assert first.status_code == 201 and again.status_code == 200
    assert first.json() == again.json() and first.json()["credit_id"].startswith("cr_")
    assert [c["order_id"] for c in listed] == [body["order_id"]]
    assert (stats["accepted"], stats["replayed"]) == (1, 1)


async def test_an_order_told_with_other_values_is_a_conflict() -> None:
    body = _credit(points=5)
    async with _client() as partner:
        await partner.post("/v1/credits", json=body)
        conflict = await partner.post("/v1/credits", json={**body, "points": 6})
    assert conflict.status_code == 409


async def test_bad_input_is_a_422_and_records_nothing() -> None:
    async with _client() as partner:
        response = await partner.post("/v1/credits", json={"customer_id": "c1", "order_id": "o1", "points": -1})
        listed = (await partner.get("/v1/credits", params={"customer_id": "c1"})).json()["credits"]
    assert response.status_code == 422 and listed == []


async def test_failures_are_injected_before_anything_is_recorded() -> None:
    body = _credit()
    async with _client(error_rate=1.0) as partner:
        response = await partner.post("/v1/credits", json=body)
        listed = (await partner.get("/v1/credits", params={"customer_id": "c1"})).json()["credits"]
        stats = (await partner.get("/sim/stats")).json()
    assert response.status_code == 500 and listed == [] and stats["errors"] == 1


async def test_latency_is_added_and_health_answers() -> None:
    async with _client(latency_ms=150) as partner:
        began = time.monotonic()
        await partner.post("/v1/credits", json=_credit())
        elapsed = time.monotonic() - began
        health = await partner.get("/health")
    assert elapsed >= 0.15 and health.json() == {"status": "ok"}


async def test_a_reversal_takes_back_a_known_credit_once_and_must_match_it() -> None:
    body = _credit(points=7)
    async with _client() as partner:
        unknown = await partner.post("/v1/reversals", json=body)
        await partner.post("/v1/credits", json=body)
        mismatched = await partner.post("/v1/reversals", json={**body, "points": 6})
        first = await partner.post("/v1/reversals", json=body)
        again = await partner.post("/v1/reversals", json=body)
        listed = (await partner.get("/v1/reversals", params={"customer_id": "c1"})).json()["reversals"]
        stats = (await partner.get("/sim/stats")).json()
    assert (unknown.status_code, mismatched.status_code) == (404, 409)
    assert first.status_code == 201 and again.status_code == 200 and first.json() == again.json()
    assert first.json()["reversal_id"].startswith("rv_") and first.json()["points"] == 7
    assert [r["order_id"] for r in listed] == [body["order_id"]]
    assert (stats["reversals_accepted"], stats["reversals_replayed"], stats["unknown_credits"]) == (1, 1, 1)
