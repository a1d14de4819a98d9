"""The open-model load: arrivals fixed in advance, sent on schedule whatever the answers, drops counted."""

from __future__ import annotations

import asyncio
import itertools
import json
import random

import httpx
import pytest
from shop_devtools.benchmarks.blackfriday.load import Phase, arrival_offsets, order_body, order_customer, run_load


def test_even_arrivals_are_evenly_spaced_at_each_phases_rate() -> None:
    offsets = arrival_offsets([Phase(2, 5), Phase(1, 20)], poisson=False, rng=random.Random(1))

    assert len(offsets) == 10 + 20
    assert offsets[:3] == pytest.approx([0.0, 0.2, 0.4])
    assert offsets[10:13] == pytest.approx([2.0, 2.05, 2.1])
    assert offsets[-1] < 3.0


def test_poisson_arrivals_keep_the_mean_rate_of_each_phase_and_stay_in_it() -> None:
    phases = [Phase(200, 5), Phase(100, 25), Phase(200, 5)]
    offsets = arrival_offsets(phases, poisson=True, rng=random.Random(7))

    assert offsets == sorted(offsets)
    assert 0 <= offsets[0] and offsets[-1] < 500
    before = sum(1 for offset in offsets if offset < 200)
    spike = sum(1 for offset in offsets if 200 <= offset < 300)
    assert before == pytest.approx(1000, rel=0.1)
    assert spike == pytest.approx(2500, rel=0.1)
    gaps = {round(b - a, 6) for a, b in itertools.pairwise(offsets)}
    assert len(gaps) > 100  # random gaps, not a fixed spacing


def test_a_phase_without_arrivals_only_shifts_the_next() -> None:
    offsets = arrival_offsets([Phase(3, 0), Phase(1, 2)], poisson=False, rng=random.Random(1))

    assert offsets == pytest.approx([3.0, 3.5])


def test_the_order_body_is_a_valid_checkout() -> None:
    from shop_order.domain import PlaceOrder

    body = order_body(1234, customers=100)

    assert PlaceOrder.model_validate(body).customer_id == "bf-34"


async def test_requests_leave_on_schedule_even_while_earlier_ones_have_no_answer() -> None:
    sent_at: list[float] = []
    loop = asyncio.get_running_loop()
    release = asyncio.Event()

    async def slow_server(request: httpx.Request) -> httpx.Response:
        sent_at.append(loop.time())
        await release.wait()  # nobody is answered until every request was sent: a closed loop would stall
        return httpx.Response(201, json={"order_id": json.loads(request.content)["customer_id"]})

    async def open_the_gate() -> None:
        await asyncio.sleep(0.5)
        release.set()

    async with httpx.AsyncClient(transport=httpx.MockTransport(slow_server), base_url="http://bench") as client:
        began = loop.time()
        gate = asyncio.create_task(open_the_gate())
        result = await run_load(
            client, "/orders", [0.0, 0.1, 0.2, 0.3], duration=0.4, max_in_flight=10, request_timeout=5
        )
        await gate

    assert [at - began for at in sent_at] == pytest.approx([0.0, 0.1, 0.2, 0.3], abs=0.05)
    assert len(result.accepted) == 4 and result.dropped == 0
    # Latency counts from when each request was due: the first waited the longest.
    latencies = [sample.latency for sample in result.samples]
    assert latencies[0] == pytest.approx(0.5, abs=0.1)
    assert latencies[3] == pytest.approx(0.2, abs=0.1)


async def test_the_safety_cap_drops_requests_and_counts_them() -> None:
    async def hanging_server(_: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.5)
        return httpx.Response(503)

    async with httpx.AsyncClient(transport=httpx.MockTransport(hanging_server), base_url="http://bench") as client:
        result = await run_load(
            client, "/orders", [0.0, 0.01, 0.02, 0.03, 0.04], duration=0.05, max_in_flight=2, request_timeout=5
        )

    assert result.dropped == 3
    assert len(result.samples) == 2 and result.errors == 2 and not result.accepted


async def test_a_request_without_an_answer_is_an_error_with_its_latency() -> None:
    async def refusing_server(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(refusing_server), base_url="http://bench") as client:
        result = await run_load(client, "/orders", [0.0], duration=0.1, max_in_flight=5, request_timeout=5)

    assert result.samples[0].status is None and result.errors == 1


async def test_a_request_past_the_deadline_is_an_error_timed_at_the_deadline() -> None:
    async def stuck_server(_: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(201, json={"order_id": "late"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(stuck_server), base_url="http://bench") as client:
        result = await run_load(client, "/orders", [0.0], duration=0.1, max_in_flight=5, request_timeout=0.3)

    (sample,) = result.samples
    assert sample.status is None and sample.latency == pytest.approx(0.3, abs=0.15)


async def test_each_request_carries_the_headers_of_its_number() -> None:
    seen: list[tuple[str, str]] = []

    async def server(request: httpx.Request) -> httpx.Response:
        seen.append((json.loads(request.content)["customer_id"], request.headers["authorization"]))
        return httpx.Response(201, json={"order_id": "o"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(server), base_url="http://bench") as client:
        await run_load(
            client,
            "/orders",
            [0.0, 0.01, 0.02],
            duration=0.05,
            max_in_flight=5,
            request_timeout=5,
            body=lambda number: order_body(number, customers=2),
            headers=lambda number: {"Authorization": f"Bearer token-of-{order_customer(number, 2)}"},
        )

    assert sorted(seen) == [
        ("bf-0", "Bearer token-of-bf-0"),
        ("bf-0", "Bearer token-of-bf-0"),
        ("bf-1", "Bearer token-of-bf-1"),
    ]


def test_the_contact_of_an_order_is_its_customers_default_verified_email() -> None:
    body = order_body(7, customers=5)

    assert body["customer_id"] == order_customer(7, 5) == "bf-2"
    assert body["contact"] == {"email": "bf-2@example.com"}  # what the dev issuer puts in the token by default
