"""One order is one trace: real processes write their spans to files, as under `make up`, and the order's spans
across order, payment, loyalty and notifications share one trace id with every parent link intact.

The chain checked: POST /orders -> the transaction -> publish order.created -> payment (API destination) -> its
step -> the provider call -> publish payment.succeeded -> order records PAID; loyalty's credit and the
partner call; the notification's send. `make trace` then prints that waterfall from the same files.
"""

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from shop_devtools.dev_issuer import DevIssuerClient, bearer
from shop_devtools.testing.events import wait_until
from shop_devtools.testing.fixtures import StartService, started_services
from shop_devtools.testing.orders import one_line_order
from shop_devtools.trace_view import Span, scan_directory

pytestmark = pytest.mark.e2e

SERVICES = ["payment-provider", "loyalty-partner", "payment", "order", "loyalty", "notifications"]
PHONE = "+15555550123"
TRACED = {"order", "payment", "loyalty", "notifications"}


@pytest.fixture(scope="module")
def urls(start_service_process: StartService, service_ports: dict[str, int]) -> dict[str, str]:
    return started_services(start_service_process, service_ports, SERVICES)


async def settled_order(urls: dict[str, str], client: httpx.AsyncClient, customer: str) -> str:
    """Place an order and wait until it is PAID, credited and confirmed."""
    created = await client.post(f"{urls['order']}/orders", json=one_line_order(customer, phone=PHONE))
    assert created.status_code == 201, created.text
    order_id: str = created.json()["order_id"]

    async def paid() -> bool:
        return (await client.get(f"{urls['order']}/orders/{order_id}")).json()["status"] == "PAID"

    async def credited() -> bool:
        return (await client.get(f"{urls['loyalty']}/customers/{customer}/loyalty")).status_code == 200

    async def confirmed() -> bool:
        listed = (await client.get(f"{urls['notifications']}/customers/{customer}/notifications")).json()
        return any(n["status"] == "SENT" for n in listed["notifications"])

    for condition, what in ((paid, "PAID"), (credited, "points credited"), (confirmed, "confirmation sent")):
        await wait_until(condition, timeout=60, message=what)
    return order_id


async def order_spans(traces_dir: Path, order_id: str, complete: Callable[[list[Span]], bool]) -> dict[str, list[Span]]:
    """The order's traces once `complete` holds for them (spans are exported every half second, per process)."""

    async def found() -> dict[str, list[Span]] | None:
        spans_by_trace = scan_directory(traces_dir, order_id).spans_by_trace
        return spans_by_trace if spans_by_trace and all(map(complete, spans_by_trace.values())) else None

    result: dict[str, list[Span]] = await wait_until(found, timeout=30, message="the order's spans on disk")
    return result


def names(spans: list[Span], service: str) -> set[str]:
    return {span.name for span in spans if span.service == service}


def has_the_whole_journey(spans: list[Span]) -> bool:
    return (
        "process payment.succeeded" in names(spans, "order")
        and "process order.created" in names(spans, "loyalty")
        and "SNS.Publish" in names(spans, "notifications")
    )


async def test_one_order_is_one_trace_across_every_service_with_its_parent_links_intact(
    urls: dict[str, str], dev_issuer: DevIssuerClient, traces_dir: Path
) -> None:
    customer = f"c-trace-{uuid.uuid4().hex[:8]}"
    token = dev_issuer.mint(customer, phone=PHONE)
    async with httpx.AsyncClient(timeout=10, headers=bearer(token)) as client:
        order_id = await settled_order(urls, client, customer)

    traces = await order_spans(traces_dir, order_id, has_the_whole_journey)
    assert len(traces) == 1, f"one order, one trace: {sorted(traces)}"
    [(trace_id, spans)] = traces.items()
    by_id = {span.span_id: span for span in spans}

    assert {span.service for span in spans} >= TRACED
    # Every span hangs under a recorded parent but the first: POST /orders (whose parent, if any, is the caller's).
    roots = [span for span in spans if span.parent_span_id not in by_id]
    assert [root.name for root in roots] == ["POST /orders"]

    def ancestry(span: Span) -> list[str]:
        """The names from the span up to the root."""
        chain = [span.name]
        while span.parent_span_id in by_id:
            span = by_id[span.parent_span_id]
            chain.append(span.name)
        return chain

    def the(service: str, name: str, kind: str | None = None) -> Span:
        matching = [s for s in spans if s.service == service and s.name == name and kind in (None, s.kind)]
        assert matching, f"no {name!r} span of {service}: {sorted(names(spans, service))}"
        return matching[0]

    # The payment chain, hop by hop, each a child of the one before.
    recorded_paid = the("order", "process payment.succeeded")
    assert ancestry(recorded_paid) == [
        "process payment.succeeded",  # order, from its queue
        "publish payment.succeeded",  # payment's outbox, through the bus
        "payment step pending",  # the charge step, resumed from the stored payment
        "process order.created",  # payment, from the API destination
        "publish order.created",  # order, through the bus
        "POST /orders",
    ]
    assert ancestry(the("payment", "POST /v1/charges", kind="client"))[1] == "payment step pending"  # the provider
    assert the("order", "DynamoDB.TransactWriteItems").parent_span_id == roots[0].span_id
    assert "DynamoDB.UpdateItem" in {s.name for s in spans if s.parent_span_id == recorded_paid.span_id}

    # Loyalty's credit and the partner call, and the notification's send, under the same publish of order.created.
    publish_created = the("order", "publish order.created")
    for service in ("loyalty", "notifications"):
        consumer = the(service, "process order.created")
        assert consumer.parent_span_id == publish_created.span_id
        assert consumer.attributes["shop.order_id"] == order_id
        receive_count = consumer.attributes["messaging.aws.sqs.receive_count"]
        assert isinstance(receive_count, int) and receive_count >= 1
    assert ancestry(the("loyalty", "POST /v1/credits", kind="client"))[1] == "process order.created"  # the partner
    assert ancestry(the("notifications", "SNS.Publish"))[1] == "process order.created"

    # No contact details and no tokens on any span.
    everything = repr([(span.name, dict(span.attributes)) for span in spans])
    for secret in (PHONE, token, "tok_success"):
        assert secret not in everything

    # `make trace` prints the same trace from the same files.
    shown = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "shop_devtools.trace_view", "--order", order_id, "--dir", str(traces_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    assert f"trace {trace_id}" in shown.stdout
    for operation in ("POST /orders", "publish order.created", "process payment.succeeded", "SNS.Publish"):
        assert operation in shown.stdout
