"""The raw baselines of `make bench-efficiency` as real processes on the emulators: the bare order handler makes
the order service's AWS calls, and the raw SQS drain empties a queue with receive + delete."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest
from shop_devtools.benchmarks.efficiency.http_load import order_body
from shop_devtools.benchmarks.efficiency.stage import BARE_ORDER
from shop_devtools.processes import ManagedProcess
from shop_devtools.runtime import LocalAws, free_port
from shop_devtools.services import SERVICES, service_env, start_service, wait_until_ready
from shop_devtools.testing.events import QUEUE_COUNTERS, capture_events
from shop_shared.topology import DeployedTopology

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def bare_order(
    local_aws: LocalAws,
    deployed_topology: DeployedTopology,
    service_ports: dict[str, int],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    port = free_port()
    env = service_env(SERVICES["order"], port, local_aws.env, deployed_topology, service_ports)
    log = Path(tmp_path_factory.mktemp("bare-order")) / "bare-order.log"
    process = start_service(BARE_ORDER, env, log_file=log)
    try:
        wait_until_ready(process, port, timeout=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.stop()
    assert not process.running()


async def test_the_bare_handler_stores_the_order_and_its_key_publishes_and_empties_the_outbox(
    bare_order: str, deployed_topology: DeployedTopology
) -> None:
    pattern = {"source": ["shop.order"], "detail-type": ["order.created"]}
    async with capture_events(deployed_topology.name("events"), pattern) as capture:
        async with httpx.AsyncClient(base_url=bare_order, timeout=15) as client:
            answer = await client.post("/orders", json=order_body("c-bare"), headers={"Idempotency-Key": "bare-1"})
        assert answer.status_code == 201, answer.text
        order_id = answer.json()["order_id"]
        events = await capture.wait_for(lambda envelope: envelope.data.order_id == order_id)
    assert events[0].data.customer_id == "c-bare"
    dynamodb = boto3.client("dynamodb")
    order = dynamodb.get_item(TableName=deployed_topology.name("orders"), Key={"order_id": {"S": order_id}})
    assert order["Item"]["total"] == {"S": "44.98"}
    assert order["Item"]["contact_ciphertext"]["S"]
    record = dynamodb.get_item(
        TableName=deployed_topology.name("order-idempotency"), Key={"idempotency_key": {"S": "bare-1"}}
    )
    assert record["Item"]["order_id"] == {"S": order_id}
    outbox = dynamodb.scan(TableName=deployed_topology.name("order-outbox"), Select="COUNT")
    assert outbox["Count"] == 0


def test_the_raw_drain_empties_a_queue_and_stops_on_sigterm(local_aws: LocalAws, tmp_path: Path) -> None:
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=f"raw-drain-{free_port()}")["QueueUrl"]
    try:
        for start in range(0, 30, 10):
            entries = [{"Id": str(n), "MessageBody": json.dumps({"n": start + n})} for n in range(10)]
            sqs.send_message_batch(QueueUrl=url, Entries=entries)  # type: ignore[arg-type]
        env = {"PATH": "/usr/bin:/bin", **local_aws.env}
        command = [
            sys.executable,
            "-m",
            "shop_devtools.benchmarks.efficiency.raw_sqs_drain",
            url,
            "--wait-seconds",
            "1",
        ]
        process = ManagedProcess("raw-sqs-drain", command, env=env, log_file=tmp_path / "drain.log")
        try:
            deadline = time.monotonic() + 30
            remaining = -1
            while time.monotonic() < deadline:
                values = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(QUEUE_COUNTERS))["Attributes"]
                remaining = sum(int(values.get(name, "0")) for name in QUEUE_COUNTERS)
                if remaining == 0:
                    break
                time.sleep(0.3)
            assert remaining == 0
        finally:
            process.stop(timeout=10)
        assert not process.running()
    finally:
        sqs.delete_queue(QueueUrl=url)
