"""`shopctl status` on the real local runtime: a backlog while loyalty is stopped, gone once loyalty runs."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from shop_devtools.testing.events import order_created_envelope, wait_until, wait_until_drained
from shop_devtools.testing.fixtures import AwsClients, StartService
from shop_devtools.testing.shopctl import run_shopctl
from shop_shared.messaging import EventBridgePublisher
from shop_shared.topology import DeployedTopology

pytestmark = pytest.mark.integration


def _queue(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(queue for queue in report["queues"] if queue["name"] == name)


async def test_status_reports_the_loyalty_backlog_while_loyalty_is_stopped(
    deployed_topology: DeployedTopology, aws: AwsClients, start_service_process: StartService
) -> None:
    prefix = deployed_topology.prefix
    loyalty_queue = deployed_topology.name("loyalty-order-events")
    quiet = run_shopctl(prefix, "status", "--json")
    assert quiet.exit_code == 0, quiet.stderr
    assert quiet.json()["health"] == "green"

    envelope = order_created_envelope(f"c-status-{uuid.uuid4().hex[:8]}", "42.00")
    published = await EventBridgePublisher(aws.events, deployed_topology.bus_name).publish([envelope])
    assert published.published == [envelope.metadata.event_id], published.failed
    loyalty_url = (await aws.sqs.get_queue_url(QueueName=loyalty_queue))["QueueUrl"]

    async def delivered() -> bool:
        attributes = await aws.sqs.get_queue_attributes(
            QueueUrl=loyalty_url, AttributeNames=["ApproximateNumberOfMessages"]
        )
        return attributes["Attributes"]["ApproximateNumberOfMessages"] != "0"

    await wait_until(delivered, timeout=30, message="order.created in the loyalty queue")

    backlog = run_shopctl(prefix, "status", "--json")
    report = backlog.json()
    assert backlog.exit_code == 1, backlog.stderr  # amber: work waits, nothing is lost
    assert report["health"] == "amber"
    assert _queue(report, loyalty_queue)["visible"] == 1
    assert any(loyalty_queue in reason and "backlog" in reason for reason in report["reasons"]), report["reasons"]
    assert all(dlq["visible"] == 0 for dlq in report["dlqs"])
    assert [machine["exists"] for machine in report["executions"]] == [True]

    human = run_shopctl(prefix, "status")
    assert human.exit_code == 1
    assert "AMBER" in human.stdout and loyalty_queue in human.stdout

    start_service_process("loyalty")
    await wait_until_drained(aws.sqs, loyalty_url, timeout=60)
    after = run_shopctl(prefix, "status", "--json").json()
    assert _queue(after, loyalty_queue)["visible"] == 0
    assert not any(loyalty_queue in reason for reason in after["reasons"]), after["reasons"]


def test_status_fails_clearly_for_an_unknown_profile(deployed_topology: DeployedTopology) -> None:
    result = run_shopctl(deployed_topology.prefix, "--profile", "no-such-profile", "status")
    assert result.exit_code == 3
    assert "no-such-profile" in result.stderr and "Traceback" not in result.stderr
