"""`shopctl order` on the real local runtime: a declined order's whole story, read from the services' own tables.

The order goes through the real services (order -> EventBridge -> payment declines -> order, loyalty, notifications);
shopctl then runs as an operator would, in its own process, against the module's deployment.
"""

import asyncio
import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from shop_devtools.dev_issuer import DevIssuerClient, bearer
from shop_devtools.testing.events import wait_until
from shop_devtools.testing.fixtures import StartService, started_services
from shop_devtools.testing.orders import one_line_order
from shop_devtools.testing.shopctl import run_shopctl
from shop_shared.topology import DeployedTopology

# Each shopctl run is a process of its own (about a second); waits are generous for a machine that is half busy.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

SERVICES = ["payment-provider", "payment", "order", "loyalty", "notifications"]
PHONE = "+15555550177"


@pytest.fixture(scope="module")
def urls(start_service_process: StartService, service_ports: dict[str, int]) -> dict[str, str]:
    return started_services(start_service_process, service_ports, SERVICES)


async def declined_order(urls: dict[str, str], dev_issuer: DevIssuerClient, customer: str) -> str:
    """Place an order the simulated provider declines; wait until the order is PAYMENT_FAILED."""
    async with httpx.AsyncClient(timeout=10, headers=bearer(dev_issuer.mint(customer, phone=PHONE))) as client:
        body = one_line_order(customer, phone=PHONE, payment_token="tok_declined", unit_price="19.99")
        created = await client.post(f"{urls['order']}/orders", json=body)
        assert created.status_code == 201, created.text
        order_id: str = created.json()["order_id"]

        async def payment_failed() -> bool:
            return (await client.get(f"{urls['order']}/orders/{order_id}")).json()["status"] == "PAYMENT_FAILED"

        await wait_until(payment_failed, timeout=60, message="order PAYMENT_FAILED")
    return order_id


def finished(story: dict[str, Any]) -> bool:
    """Everything the decline sets off has happened: the reversal and both notifications sent."""
    sent = {note["template"] for note in story["notifications"] if note["status"] == "SENT"}
    reversed_ = any(entry["kind"] == "reversal" for entry in story["loyalty"])
    return reversed_ and {"order_confirmed", "payment_failed"} <= sent


async def story_once(prefix: str, order_id: str, complete: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        run = await asyncio.to_thread(run_shopctl, prefix, "order", order_id, "--json")
        assert run.exit_code == 0, run.stderr
        story: dict[str, Any] = run.json()
        return story if complete(story) else None

    result: dict[str, Any] = await wait_until(probe, timeout=120, interval=0.5, message="the order's whole story")
    return result


async def test_order_shows_a_declined_orders_full_story(
    urls: dict[str, str], dev_issuer: DevIssuerClient, deployed_topology: DeployedTopology
) -> None:
    customer = f"c-story-{uuid.uuid4().hex[:8]}"
    order_id = await declined_order(urls, dev_issuer, customer)
    story = await story_once(deployed_topology.prefix, order_id, finished)

    order = story["order"]
    assert (order["order_id"], order["customer_id"], order["total"], order["currency"]) == (
        order_id,
        customer,
        "19.99",
        "USD",
    )
    assert [change["status"] for change in order["status_history"]] == ["PENDING_PAYMENT", "PAYMENT_FAILED"]
    payment = story["payment"]
    assert payment is not None, story["payment_lookup"]
    assert (payment["status"], payment["reason_code"], payment["amount"]) == ("FAILED", "card_declined", "19.99")
    # Loyalty credits and then takes back; were payment.failed handled first, its tombstone blocks the credit.
    kinds = {entry["kind"]: entry for entry in story["loyalty"]}
    if kinds["reversal"]["credited"]:
        assert kinds["credit"]["points"] == kinds["reversal"]["points"] > 0
    notes = {note["template"]: note for note in story["notifications"]}
    assert notes["payment_failed"]["event_type"] == "payment.failed" and notes["payment_failed"]["channel"] == "sms"
    assert story["payment_lookup"].endswith("kept by the order")  # one GetItem: the order keeps the event id
    assert story["trace_id"] and len(story["trace_id"]) == 32
    assert story["trace_hint"] == f"make -s trace ORDER={order_id}"
    timeline = story["timeline"]
    assert [entry["at"] for entry in timeline] == sorted(entry["at"] for entry in timeline)
    assert {entry["source"] for entry in timeline} == {"order", "payment", "loyalty", "notifications"}
    assert timeline[0]["source"] == "order" and timeline[0]["what"] == "placed"

    human = run_shopctl(deployed_topology.prefix, "order", order_id)
    assert human.exit_code == 0, human.stderr
    for expected in (order_id, "PAYMENT_FAILED", "card_declined", "payment_failed SENT", story["trace_id"]):
        assert expected in human.stdout
    assert "points taken back" in human.stdout or "reversal before any credit" in human.stdout
    for output in (human.stdout, json.dumps(story)):
        assert "5555550177" not in output and "tok_declined" not in output  # no contact, no payment token


def test_an_unknown_order_is_a_clear_error(deployed_topology: DeployedTopology) -> None:
    result = run_shopctl(deployed_topology.prefix, "order", "no-such-order")
    assert result.exit_code == 3
    assert "no order 'no-such-order'" in result.stderr and "Traceback" not in result.stderr
