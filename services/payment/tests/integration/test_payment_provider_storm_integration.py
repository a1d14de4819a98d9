"""A provider 429/5xx storm: with 30 % rate limiting and 30 % server errors every payment still settles,
each charged at most once, with one outcome event per order, and no token or key in payment's logs."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import boto3
import httpx
import pytest
from shop_devtools.processes import ManagedProcess
from shop_devtools.testing.events import capture_events, wait_until
from shop_devtools.testing.fixtures import free_port
from shop_payment.domain import payment_id_for
from shop_shared.contracts import PAYMENT_SOURCE, EventEnvelope, OrderCreated, PaymentFailed, PaymentSucceeded
from shop_shared.topology import DeployedTopology

pytestmark = pytest.mark.integration

OrderCreatedFactory = Callable[..., EventEnvelope[OrderCreated]]
EventFactory = Callable[[EventEnvelope[Any]], dict[str, Any]]
ORDERS = 20
SETTLE_DEADLINE_SECONDS = 90.0
STORM = {
    "PROVIDER_SIM_ERROR_RATE": "0.3",
    "PROVIDER_SIM_RATE_LIMIT_RATE": "0.3",
    "PROVIDER_SIM_SEED": "20261123",
    "PROVIDER_SIM_LATENCY_MS": "20",
}
# Enough retries that a payment gives up only after ~15 failures in a row (0.6^15 < 0.1 %), short waits
# (Retry-After: 1 is honoured, capped at 1 s), and a quick circuit recovery, backoff and sweep should the
# circuit open or an answer be lost (then the payment is UNKNOWN until a lookup settles it).
PATIENT_PAYMENT = {
    "PAYMENT_PROVIDER_MAX_ATTEMPTS": "15",
    "PAYMENT_PROVIDER_BACKOFF_INITIAL_SECONDS": "0.05",
    "PAYMENT_PROVIDER_BACKOFF_MAX_SECONDS": "0.5",
    "PAYMENT_PROVIDER_MAX_RETRY_AFTER_SECONDS": "1",
    "PAYMENT_PROVIDER_CIRCUIT_RECOVERY_SECONDS": "1",
    "PAYMENT_DUE_SWEEP_INTERVAL_SECONDS": "1",
    "PAYMENT_RETRY_BACKOFF_INITIAL_SECONDS": "0.2",
    "PAYMENT_RETRY_BACKOFF_MAX_SECONDS": "1",
}


def _log_of(process: ManagedProcess) -> str:
    assert process.log_path is not None
    return process.log_path.read_text()


async def test_every_payment_settles_once_through_a_provider_storm(
    start_service_process: Any,
    deployed_topology: DeployedTopology,
    order_created: OrderCreatedFactory,
    eventbridge_event: EventFactory,
) -> None:
    provider_port, payment_port = free_port(), free_port()
    provider_url = f"http://127.0.0.1:{provider_port}"
    processes = [
        start_service_process("payment-provider", port=provider_port, extra_env=STORM),
        start_service_process(
            "payment", port=payment_port, extra_env={**PATIENT_PAYMENT, "PAYMENT_PROVIDER_URL": provider_url}
        ),
    ]
    secret_id = deployed_topology.name("payment-events-api-key")
    api_key: str = boto3.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
    envelopes = [order_created("tok_success" if i % 4 else "tok_declined") for i in range(ORDERS)]
    expected = {
        payment_id_for(e.metadata.event_id): ("SUCCEEDED" if e.data.payment_token == "tok_success" else "FAILED")
        for e in envelopes
    }
    order_ids = [e.data.order_id for e in envelopes]
    pattern = {"source": [PAYMENT_SOURCE], "detail": {"data": {"order_id": order_ids}}}

    try:
        async with (
            capture_events(deployed_topology.bus_name, pattern) as captured,
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{payment_port}", timeout=5) as payment,
            httpx.AsyncClient(base_url=provider_url, timeout=5) as provider,
        ):
            started = time.monotonic()
            for envelope in envelopes:
                response = await payment.post(
                    "/events", json=eventbridge_event(envelope), headers={"x-api-key": api_key}
                )
                assert response.status_code == 202

            async def all_settled() -> dict[str, dict[str, Any]] | None:
                views = {pid: (await payment.get(f"/payments/{pid}")).json() for pid in expected}
                unsettled = {"PENDING", "UNKNOWN"}
                return views if all(view["status"] not in unsettled for view in views.values()) else None

            views: dict[str, dict[str, Any]] = await wait_until(
                all_settled, timeout=SETTLE_DEADLINE_SECONDS, interval=0.25, message=f"all {ORDERS} payments settled"
            )
            settled_in = time.monotonic() - started
            await captured.wait_for(count=ORDERS, timeout=30)
            await captured.listen(2.0)  # anything more that would come
            charges = {
                pid: (await provider.get("/v1/charges", params={"idempotency_key": pid})).json()["charges"]
                for pid in expected
            }
            stats = (await provider.get("/sim/stats")).json()
    finally:
        # Their due-work sweep would otherwise take over other tests' payments in this module's table.
        for process in reversed(processes):
            await asyncio.to_thread(process.stop)

    print(
        f"\nprovider storm: {ORDERS} payments settled in {settled_in:.1f} s; the provider answered "
        f"{stats['requests']} charge requests: {stats['rate_limited']} x 429, {stats['errors']} x 500, "
        f"{stats['succeeded']} charged, {stats['declined']} declined, {stats['replayed']} replayed"
    )
    assert stats["rate_limited"] > 0 and stats["errors"] > 0, "it was a storm"
    for pid, status in expected.items():
        assert views[pid]["status"] == status, views[pid]
        if status == "SUCCEEDED":
            assert [c["charge_id"] for c in charges[pid]] == [views[pid]["provider_reference"]], "charged once"
        else:
            assert views[pid]["reason_code"] == "card_declined" and charges[pid] == []

    events_by_order: dict[str, set[str]] = defaultdict(set)
    for event in captured.received:
        events_by_order[event.data.order_id].add(str(event.metadata.event_id))
        paid = expected[event.data.payment_id] == "SUCCEEDED"
        assert isinstance(event.data, PaymentSucceeded if paid else PaymentFailed)
    assert {order: len(ids) for order, ids in events_by_order.items()} == dict.fromkeys(order_ids, 1)
    assert not any("tok_" in body for body in captured.bodies), "no payment token in the outcome events"

    log = _log_of(processes[1])
    assert "payment settled" in log
    assert "tok_success" not in log and "tok_declined" not in log and api_key not in log


async def test_payments_wait_out_a_provider_outage_and_settle_once_it_is_back(
    start_service_process: Any,
    deployed_topology: DeployedTopology,
    order_created: OrderCreatedFactory,
    eventbridge_event: EventFactory,
) -> None:
    provider_port, payment_port = free_port(), free_port()  # nothing listens on the provider's port yet
    provider_url = f"http://127.0.0.1:{provider_port}"
    outage_settings = {
        **PATIENT_PAYMENT,
        "PAYMENT_PROVIDER_MAX_ATTEMPTS": "5",
        "PAYMENT_PROVIDER_CIRCUIT_FAILURE_THRESHOLD": "3",
        "PAYMENT_PROVIDER_URL": provider_url,
    }
    payment_process = start_service_process("payment", port=payment_port, extra_env=outage_settings)
    secret_id = deployed_topology.name("payment-events-api-key")
    api_key: str = boto3.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
    envelopes = [order_created("tok_success") for _ in range(5)]
    payment_ids = [payment_id_for(e.metadata.event_id) for e in envelopes]

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{payment_port}", timeout=5) as payment:
        for envelope in envelopes:
            response = await payment.post("/events", json=eventbridge_event(envelope), headers={"x-api-key": api_key})
            assert response.status_code == 202

        async def circuit_opened() -> bool:
            return "payment provider circuit opened" in _log_of(payment_process)

        await wait_until(circuit_opened, timeout=15, message="the circuit opened")
        await asyncio.sleep(2.5)  # sweeps and half-open trials happen meanwhile, against a provider still down
        views = [(await payment.get(f"/payments/{pid}")).json() for pid in payment_ids]
        assert {view["status"] for view in views} == {"PENDING"}, f"an outage defers payments, not fails them: {views}"

        start_service_process("payment-provider", port=provider_port)

        async def all_succeeded() -> bool:
            views = [(await payment.get(f"/payments/{pid}")).json() for pid in payment_ids]
            assert all(view["status"] in {"PENDING", "SUCCEEDED"} for view in views), views
            return all(view["status"] == "SUCCEEDED" for view in views)

        await wait_until(all_succeeded, timeout=30, interval=0.25, message="the due-work sweep charged every payment")

    async with httpx.AsyncClient(base_url=provider_url, timeout=5) as provider:
        for pid in payment_ids:
            charges = (await provider.get("/v1/charges", params={"idempotency_key": pid})).json()["charges"]
            assert len(charges) == 1
