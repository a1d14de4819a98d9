"""The checkout stays fast whatever loyalty does: with a very slow loyalty partner, and with loyalty stopped.

Loyalty hears of orders only through its own queue, so neither its partner's latency nor its absence can reach
`POST /orders`; the points arrive later (after a restart, for orders placed while it was down).
"""

import time
import uuid
from typing import Any

import httpx
import pytest
from shop_devtools.dev_issuer import DevIssuerClient, bearer
from shop_devtools.testing.events import wait_until

pytestmark = pytest.mark.e2e

SLOW_PARTNER = {"PARTNER_SIM_LATENCY_MS": "3000"}
FAST_ENOUGH_SECONDS = 1.0
ORDERS = 4
PHONE = "+15555550100"


def order_request(customer_id: str) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "currency": "USD",
        "items": [{"sku": "SKU-1", "quantity": 1, "unit_price": "50.00"}],
        "payment_token": "tok_success",
        "contact": {"phone": PHONE},
    }


def customer_client(dev_issuer: DevIssuerClient, customer_id: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=10, headers=bearer(dev_issuer.mint(customer_id, phone=PHONE)))


@pytest.fixture(scope="module")
def urls(start_service_process, service_ports: dict[str, int]) -> dict[str, str]:
    start_service_process("loyalty-partner", extra_env=SLOW_PARTNER)
    for name in ("payment-provider", "payment", "order", "loyalty"):
        start_service_process(name)
    return {name: f"http://127.0.0.1:{port}" for name, port in service_ports.items()}


async def place_orders(client: httpx.AsyncClient, order_url: str, customer: str) -> tuple[list[str], list[float]]:
    order_ids, seconds = [], []
    for _ in range(ORDERS):
        began = time.monotonic()
        response = await client.post(f"{order_url}/orders", json=order_request(customer))
        seconds.append(time.monotonic() - began)
        assert response.status_code == 201, response.text
        order_ids.append(response.json()["order_id"])
    return order_ids, seconds


async def wait_paid(client: httpx.AsyncClient, order_url: str, order_ids: list[str]) -> None:
    async def all_paid() -> bool:
        statuses = [(await client.get(f"{order_url}/orders/{oid}")).json()["status"] for oid in order_ids]
        return all(status == "PAID" for status in statuses)

    await wait_until(all_paid, timeout=30, message="every order PAID")


async def points(client: httpx.AsyncClient, loyalty_url: str, customer: str) -> int:
    response = await client.get(f"{loyalty_url}/customers/{customer}/loyalty")
    assert response.status_code in (200, 404), response.text  # 404: nothing credited yet
    return int(response.json()["points_balance"]) if response.status_code == 200 else 0


async def test_checkout_is_fast_while_the_loyalty_partner_is_slow(
    urls: dict[str, str], dev_issuer: DevIssuerClient
) -> None:
    customer = f"c-iso-{uuid.uuid4().hex[:8]}"
    async with customer_client(dev_issuer, customer) as client:
        order_ids, seconds = await place_orders(client, urls["order"], customer)
        print(f"order POST seconds with a 3 s loyalty partner: {[round(s, 3) for s in seconds]}")
        assert max(seconds) < FAST_ENOUGH_SECONDS, seconds
        await wait_paid(client, urls["order"], order_ids)

        async def partner_told() -> bool:
            listed = await client.get(f"{urls['loyalty-partner']}/v1/credits", params={"customer_id": customer})
            return len(listed.json()["credits"]) == ORDERS

        # Each partner call takes 3 s: the points and the partner's copy arrive well after the checkout answered.
        await wait_until(partner_told, timeout=60, message="partner told about every order")
        assert await points(client, urls["loyalty"], customer) == 50 * ORDERS


async def test_checkout_is_fast_and_orders_get_paid_while_loyalty_is_stopped(
    urls: dict[str, str], start_service_process, dev_issuer: DevIssuerClient
) -> None:
    customer = f"c-iso-{uuid.uuid4().hex[:8]}"
    start_service_process("loyalty").stop()
    async with customer_client(dev_issuer, customer) as client:
        order_ids, seconds = await place_orders(client, urls["order"], customer)
        print(f"order POST seconds with loyalty stopped: {[round(s, 3) for s in seconds]}")
        assert max(seconds) < FAST_ENOUGH_SECONDS, seconds
        await wait_paid(client, urls["order"], order_ids)

        start_service_process("loyalty")  # back up: the queued events are credited, nothing was lost

        async def all_credited() -> bool:
            return await points(client, urls["loyalty"], customer) == 50 * ORDERS

        await wait_until(all_credited, timeout=60, message="points credited after loyalty came back")
