"""End to end over HTTP: a paid order, a declined order, loyalty credited once, and a tier-changing batch run.

Every service runs as a real process on 127.0.0.1 against the local AWS runtime, wired only through
EventBridge, SQS, the API destination and the Step Functions activity.
"""

import asyncio
import json
import uuid
from typing import Any

import boto3
import httpx
import pytest
from shop_devtools.batch import execute
from shop_devtools.dev_issuer import DevIssuerClient, bearer
from shop_devtools.testing.events import wait_until
from shop_devtools.testing.fixtures import StartService, started_services
from shop_shared.topology import DeployedTopology

pytestmark = pytest.mark.e2e

SERVICES = ["payment-provider", "payment", "order", "loyalty", "notifications", "batch-worker"]
PHONE = "+15555550100"


@pytest.fixture(scope="module")
def urls(start_service_process: StartService, service_ports: dict[str, int]) -> dict[str, str]:
    return started_services(start_service_process, service_ports, SERVICES)


def order_request(customer_id: str, token: str, unit_price: str, quantity: int = 1) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "currency": "USD",
        "items": [{"sku": "SKU-1", "quantity": quantity, "unit_price": unit_price}],
        "payment_token": token,
        "contact": {"phone": PHONE},
    }


def customer_client(dev_issuer: DevIssuerClient, customer_id: str) -> httpx.AsyncClient:
    """An HTTP client acting as the customer: a token with their id and the order's phone as verified claims."""
    return httpx.AsyncClient(timeout=10, headers=bearer(dev_issuer.mint(customer_id, phone=PHONE)))


async def order_status(client: httpx.AsyncClient, order_url: str, order_id: str, wanted: str) -> dict[str, Any] | None:
    response = await client.get(f"{order_url}/orders/{order_id}")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body if body["status"] == wanted else None


async def sent_notifications(client: httpx.AsyncClient, url: str, customer_id: str, template: str) -> list[dict]:
    response = await client.get(f"{url}/customers/{customer_id}/notifications")
    assert response.status_code == 200
    return [n for n in response.json()["notifications"] if n["template"] == template and n["status"] == "SENT"]


async def test_paid_order_credits_points_once_and_the_batch_upgrades_the_tier(
    urls: dict[str, str], deployed_topology: DeployedTopology, dev_issuer: DevIssuerClient
) -> None:
    customer = f"c-e2e-{uuid.uuid4().hex[:8]}"
    async with customer_client(dev_issuer, customer) as client:
        created = await client.post(f"{urls['order']}/orders", json=order_request(customer, "tok_success", "600.00", 2))
        assert created.status_code == 201, created.text
        order = created.json()
        assert order["status"] == "PENDING_PAYMENT" and order["total"] == "1200.00"

        paid = await wait_until(
            lambda: order_status(client, urls["order"], order["order_id"], "PAID"), timeout=30, message="order PAID"
        )
        assert [step["status"] for step in paid["status_history"]] == ["PENDING_PAYMENT", "PAID"]

        async def loyalty() -> dict[str, Any] | None:
            response = await client.get(f"{urls['loyalty']}/customers/{customer}/loyalty")
            assert response.status_code in (200, 404), response.text  # 404: nothing credited yet
            return response.json() if response.status_code == 200 else None

        account = await wait_until(loyalty, timeout=30, message="points credited")
        assert account["points_balance"] == 1200 and account["tier"] == "BRONZE"
        await wait_until(
            lambda: sent_notifications(client, urls["notifications"], customer, "order_confirmed"),
            timeout=30,
            message="order confirmation sent",
        )

        # The monthly run: 1,200 points in the last 12 months qualify for SILVER.
        result = await asyncio.to_thread(
            execute,
            boto3.client("stepfunctions"),
            deployed_topology.name("loyalty-tiers"),
            {"chunk_size": 50},
            timeout=120,
        )
        assert result["status"] == "SUCCEEDED", result
        summary = result["summary"]
        assert summary["customers_processed"] >= 1 and summary["tier_changes"].get("SILVER", 0) >= 1
        assert summary["failed_chunks"] == []

        account = (await client.get(f"{urls['loyalty']}/customers/{customer}/loyalty")).json()
        assert account["tier"] == "SILVER" and account["points_balance"] == 1200  # still credited exactly once
        await wait_until(
            lambda: sent_notifications(client, urls["notifications"], customer, "tier_changed"),
            timeout=30,
            message="tier offer sent",
        )


async def test_declined_order_fails_payment_and_asks_for_new_details(
    urls: dict[str, str], dev_issuer: DevIssuerClient
) -> None:
    customer = f"c-e2e-{uuid.uuid4().hex[:8]}"
    async with customer_client(dev_issuer, customer) as client:
        created = await client.post(f"{urls['order']}/orders", json=order_request(customer, "tok_declined", "19.99"))
        assert created.status_code == 201, created.text
        order_id = created.json()["order_id"]
        failed = await wait_until(
            lambda: order_status(client, urls["order"], order_id, "PAYMENT_FAILED"),
            timeout=30,
            message="order PAYMENT_FAILED",
        )
        assert failed["total"] == "19.99"
        [notification] = await wait_until(
            lambda: sent_notifications(client, urls["notifications"], customer, "payment_failed"),
            timeout=30,
            message="payment-failed notification",
        )
        assert "payment" in notification["message"].lower() and "update" in notification["message"].lower()
        assert "5555550100" not in json.dumps(notification)  # the destination is masked


async def test_invalid_order_is_rejected_with_a_clear_422(urls: dict[str, str], dev_issuer: DevIssuerClient) -> None:
    async with customer_client(dev_issuer, "c-1") as client:
        response = await client.post(f"{urls['order']}/orders", json={"customer_id": "c-1", "items": []})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "validation_error" and problem["details"]


@pytest.mark.parametrize("service", ["order", "payment", "loyalty", "notifications", "batch-worker"])
async def test_every_service_answers_errors_as_problem_details(
    urls: dict[str, str], service: str, dev_issuer: DevIssuerClient
) -> None:
    async with customer_client(dev_issuer, "c-1") as client:  # a token, so an unknown path is the only mistake
        response = await client.get(f"{urls[service]}/no-such-path")
        spec = (await client.get(f"{urls[service]}/openapi.json")).json()
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "Not Found",
        "instance": "/no-such-path",
        "code": "not_found",
        "details": [],
    }
    assert "Problem" in spec["components"]["schemas"]
