"""End to end under the faults that hide a charge: the provider takes the money and answers late or drops the
connection (30 % of successful charges) and fails 10 % of requests with a 500, while two payment processes
sweep the same table. Every order ends PAID with exactly one charge at the provider, or PAYMENT_FAILED with
none, and a declined customer keeps no loyalty points.
"""

import uuid
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from shop_devtools.dev_issuer import CustomerTokens, DevIssuerClient
from shop_devtools.testing.events import wait_until
from shop_devtools.testing.fixtures import free_port

pytestmark = pytest.mark.e2e

ORDERS = 40
PHONE = "+15555550100"
LOST_ANSWERS = {
    "PROVIDER_SIM_TIMEOUT_AFTER_CHARGE_RATE": "0.3",
    "PROVIDER_SIM_ERROR_RATE": "0.1",
    "PROVIDER_SIM_LATE_ANSWER_MS": "2500",  # past the payment service's 1 s read timeout below
    "PROVIDER_SIM_DROP_SHARE": "0.5",
    "PROVIDER_SIM_SEED": "20261206",
    "PROVIDER_SIM_LATENCY_MS": "20",
}
# Few attempts per step, so lost answers really end steps as UNKNOWN and the lookup path does the work;
# short backoffs and sweeps so the test takes seconds, not minutes.
IMPATIENT_PAYMENT = {
    "PAYMENT_PROVIDER_CONNECT_TIMEOUT_SECONDS": "1",
    "PAYMENT_PROVIDER_READ_TIMEOUT_SECONDS": "1",
    "PAYMENT_PROVIDER_MAX_ATTEMPTS": "2",
    "PAYMENT_PROVIDER_BACKOFF_INITIAL_SECONDS": "0.05",
    "PAYMENT_PROVIDER_BACKOFF_MAX_SECONDS": "0.2",
    "PAYMENT_PROVIDER_CIRCUIT_FAILURE_THRESHOLD": "1000",  # this test is about lost answers, not outages
    "PAYMENT_RETRY_BACKOFF_INITIAL_SECONDS": "0.5",
    "PAYMENT_RETRY_BACKOFF_MAX_SECONDS": "2",
    "PAYMENT_DUE_SWEEP_INTERVAL_SECONDS": "0.5",
    "PAYMENT_LEASE_SECONDS": "8",
    "PAYMENT_LEASE_SAFETY_MARGIN_SECONDS": "2",
}


@pytest.fixture(scope="module")
async def urls(start_service_process, service_ports: dict[str, int]) -> AsyncIterator[dict[str, Any]]:
    start_service_process("payment-provider", extra_env=LOST_ANSWERS)
    # The API destination pushes to the first payment process; the second only sweeps the same table.
    first = start_service_process("payment", extra_env=IMPATIENT_PAYMENT)
    second = start_service_process("payment", port=free_port(), extra_env=IMPATIENT_PAYMENT)
    for name in ("order", "loyalty"):
        start_service_process(name)
    urls = {name: f"http://127.0.0.1:{service_ports[name]}" for name in ("payment-provider", "order", "loyalty")}
    yield {**urls, "payment_logs": [first.log_path, second.log_path]}


def order_request(customer_id: str, token: str) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "currency": "USD",
        "items": [{"sku": "SKU-1", "quantity": 1, "unit_price": "25.00"}],
        "payment_token": token,
        "contact": {"phone": PHONE},
    }


async def test_lost_answers_never_leave_money_or_points_wrong(
    urls: dict[str, Any], dev_issuer: DevIssuerClient
) -> None:
    run = uuid.uuid4().hex[:8]
    tokens = {f"c-unknown-{run}-{i}": ("tok_declined" if i % 5 == 0 else "tok_success") for i in range(ORDERS)}
    customers = CustomerTokens(dev_issuer)
    customers.prepare({customer: {"phone": PHONE} for customer in tokens})
    orders: dict[str, str] = {}  # order id -> customer

    def as_owner(order_id: str) -> dict[str, str]:
        return customers.headers(orders[order_id], {"phone": PHONE})

    async with httpx.AsyncClient(timeout=10) as client:
        for customer, token in tokens.items():
            response = await client.post(
                f"{urls['order']}/orders",
                json=order_request(customer, token),
                headers=customers.headers(customer, {"phone": PHONE}),
            )
            assert response.status_code == 201, response.text
            orders[response.json()["order_id"]] = customer

        async def all_final() -> dict[str, str] | None:
            statuses = {
                oid: (await client.get(f"{urls['order']}/orders/{oid}", headers=as_owner(oid))).json()["status"]
                for oid in orders
            }
            return statuses if all(s in {"PAID", "PAYMENT_FAILED"} for s in statuses.values()) else None

        statuses: dict[str, str] = await wait_until(
            all_final, timeout=180, interval=1.0, message=f"all {ORDERS} orders PAID or PAYMENT_FAILED"
        )

        async def charges_of(order_id: str) -> list[dict[str, Any]]:
            response = await client.get(f"{urls['payment-provider']}/v1/charges", params={"order_id": order_id})
            charges: list[dict[str, Any]] = response.json()["charges"]
            return charges

        charges = {oid: await charges_of(oid) for oid in orders}

        async def points(customer: str) -> int:
            response = await client.get(
                f"{urls['loyalty']}/customers/{customer}/loyalty", headers=customers.headers(customer, {"phone": PHONE})
            )
            assert response.status_code in (200, 404), response.text  # 404: nothing credited yet
            return int(response.json()["points_balance"]) if response.status_code == 200 else 0

        async def points_settled() -> dict[str, int] | None:
            # Loyalty credits on order.created and takes the points back on payment.failed, at its own pace.
            balances = {customer: await points(customer) for customer in tokens}
            expected = {orders[oid]: (25 if status == "PAID" else 0) for oid, status in statuses.items()}
            return balances if balances == expected else None

        balances = await wait_until(points_settled, timeout=60, interval=1.0, message="loyalty points settled")
        stats = (await client.get(f"{urls['payment-provider']}/sim/stats")).json()

    logs = [path.read_text() for path in urls["payment_logs"]]
    print(
        f"\nunknown outcomes: {Counter(statuses.values())}; provider: {stats['requests']} charge requests, "
        f"{stats['answered_late']} answered late, {stats['dropped']} dropped, {stats['errors']} x 500, "
        f"{stats['in_flight_conflicts']} x 409 in flight, {stats['replayed']} replayed, {stats['refunds']} refunds; "
        f"charges found by lookup per process: {[log.count('charge found by lookup') for log in logs]}, "
        f"steps recorded per process: {[log.count('payment s') for log in logs]}"
    )
    assert stats["answered_late"] + stats["dropped"] > 0 and stats["errors"] > 0, "answers were lost"
    for order_id, status in statuses.items():
        declined = tokens[orders[order_id]] == "tok_declined"
        live = [c for c in charges[order_id] if not c["refunded"]]
        if declined:
            assert status == "PAYMENT_FAILED" and charges[order_id] == [], (order_id, charges[order_id])
        else:  # the give-up horizon (1 h) is far away: every good card is charged, once
            assert status == "PAID" and len(charges[order_id]) == 1 and len(live) == 1, (order_id, charges[order_id])
    assert sum(balances.values()) == 25 * list(statuses.values()).count("PAID")
