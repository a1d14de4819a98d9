"""The synchronous baseline of `make bench-blackfriday` as a real process on the emulators and simulators:
the same checkout as the order service, with the provider and the partner called before the answer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from shop_devtools.benchmarks.blackfriday.load import order_body
from shop_devtools.benchmarks.blackfriday.system import BASELINE, create_baseline_table
from shop_devtools.processes import ManagedProcess
from shop_devtools.runtime import LocalAws, free_port
from shop_devtools.services import service_env, start_service, wait_until_ready
from shop_devtools.testing.fixtures import StartService
from shop_shared.aws import from_item
from shop_shared.topology import DeployedTopology

pytestmark = pytest.mark.integration

TIMEOUT = httpx.Timeout(15.0)


@pytest.fixture(scope="module")
def simulators(start_service_process: StartService) -> dict[str, ManagedProcess]:
    return {name: start_service_process(name) for name in ("payment-provider", "loyalty-partner")}


@pytest.fixture(scope="module")
def baseline(
    local_aws: LocalAws,
    deployed_topology: DeployedTopology,
    service_ports: dict[str, int],
    simulators: dict[str, ManagedProcess],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, str]]:
    """(URL of the baseline, its orders table); the process is stopped after the module."""
    table = create_baseline_table(boto3.client("dynamodb"), deployed_topology)
    port = free_port()
    extra = {
        "SYNC_BASELINE_ORDERS_TABLE": table,
        "SYNC_BASELINE_CONTACT_KEY_ID": deployed_topology.kms_alias("customer-contact"),
        "SYNC_BASELINE_SLOTS": "4",
    }
    env = service_env(BASELINE, port, local_aws.env, deployed_topology, service_ports, extra)
    log = Path(tmp_path_factory.mktemp("sync-baseline")) / "sync-baseline.log"
    process = start_service(BASELINE, env, log_file=log)
    try:
        wait_until_ready(process, port, timeout=60)
        yield f"http://127.0.0.1:{port}", table
    finally:
        process.stop()
    assert not process.running()


def _stored(table: str, order_id: str) -> dict[str, Any]:
    item = boto3.client("dynamodb").get_item(TableName=table, Key={"order_id": {"S": order_id}}, ConsistentRead=True)
    return from_item(item["Item"])


def test_a_paid_checkout_charges_credits_and_stores_the_settled_order_before_it_answers(
    baseline: tuple[str, str], service_ports: dict[str, int]
) -> None:
    url, table = baseline
    body = order_body(7) | {"items": [{"sku": "SKU-1", "quantity": 2, "unit_price": "19.99"}]}

    response = httpx.post(f"{url}/orders", json=body, timeout=TIMEOUT)

    assert response.status_code == 201, response.text
    order = response.json()
    assert (order["status"], order["total"], order["customer_id"]) == ("PAID", "39.98", "bf-7")
    provider = f"http://127.0.0.1:{service_ports['payment-provider']}"
    charges = httpx.get(f"{provider}/v1/charges", params={"order_id": order["order_id"]}, timeout=TIMEOUT).json()
    assert [(charge["amount"], charge["status"]) for charge in charges["charges"]] == [("39.98", "succeeded")]
    partner = f"http://127.0.0.1:{service_ports['loyalty-partner']}"
    credits = httpx.get(f"{partner}/v1/credits", params={"customer_id": "bf-7"}, timeout=TIMEOUT).json()["credits"]
    assert [(credit["order_id"], credit["points"]) for credit in credits] == [(order["order_id"], 39)]
    stored = _stored(table, order["order_id"])
    assert stored["status"] == "PAID" and stored["contact_ciphertext"]  # the contact is stored encrypted only
    assert [change["status"] for change in stored["status_history"]] == ["PENDING_PAYMENT", "PAID"]


def test_a_declined_payment_is_a_failed_order_without_points(
    baseline: tuple[str, str], service_ports: dict[str, int]
) -> None:
    url, table = baseline
    body = order_body(8) | {"payment_token": "tok_declined"}

    response = httpx.post(f"{url}/orders", json=body, timeout=TIMEOUT)

    assert response.status_code == 201, response.text
    assert response.json()["status"] == "PAYMENT_FAILED"
    partner = f"http://127.0.0.1:{service_ports['loyalty-partner']}"
    assert httpx.get(f"{partner}/v1/credits", params={"customer_id": "bf-8"}, timeout=TIMEOUT).json()["credits"] == []
    assert _stored(table, response.json()["order_id"])["status"] == "PAYMENT_FAILED"


def test_the_body_is_validated_as_the_order_service_does(baseline: tuple[str, str]) -> None:
    url, _ = baseline
    body = order_body(9) | {"currency": "JPY", "items": [{"sku": "SKU-1", "quantity": 1, "unit_price": "1.50"}]}

    response = httpx.post(f"{url}/orders", json=body, timeout=TIMEOUT)

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


def test_without_the_partner_the_checkout_fails(
    baseline: tuple[str, str], simulators: dict[str, ManagedProcess]
) -> None:
    url, _ = baseline
    simulators["loyalty-partner"].stop()  # the module's last test: nothing needs the partner after it

    response = httpx.post(f"{url}/orders", json=order_body(10), timeout=TIMEOUT)

    assert response.status_code == 503
    assert response.json()["code"] == "loyalty_partner_unavailable"
