"""`shopctl events replay` on the real local runtime: events a consumer lost are replayed from the runtime's event
log and handled exactly once; the archive path (AWS's) makes its real EventBridge calls against LocalStack."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from shop_devtools.testing.events import order_created_envelope, wait_until, wait_until_drained
from shop_devtools.testing.fixtures import AwsClients, StartService
from shop_devtools.testing.loyalty import points_balance
from shop_devtools.testing.shopctl import ShopctlRun, run_shopctl
from shop_shared.messaging import EventBridgePublisher
from shop_shared.topology import DeployedTopology

pytestmark = pytest.mark.integration

LOYALTY_QUEUE = "loyalty-order-events"


async def test_events_a_consumer_lost_are_replayed_from_the_log_and_handled_once(
    deployed_topology: DeployedTopology, aws: AwsClients, start_service_process: StartService
) -> None:
    prefix = deployed_topology.prefix
    loyalty = start_service_process("loyalty")
    queue_url = (await aws.sqs.get_queue_url(QueueName=deployed_topology.name(LOYALTY_QUEUE)))["QueueUrl"]
    publisher = EventBridgePublisher(aws.events, deployed_topology.bus_name)
    handled = order_created_envelope(f"c-replay-{uuid.uuid4().hex[:8]}", "30.00")
    lost = order_created_envelope(f"c-replay-{uuid.uuid4().hex[:8]}", "45.00")

    assert (await publisher.publish([handled])).published == [handled.metadata.event_id]

    async def credited_handled() -> int | None:
        return await points_balance(aws, deployed_topology, handled.data.customer_id)

    assert await wait_until(credited_handled, timeout=60, message="the first order credited") == 30
    loyalty.stop()
    assert (await publisher.publish([lost])).published == [lost.metadata.event_id]

    async def queued() -> bool:
        attributes = await aws.sqs.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"]
        )
        return attributes["Attributes"]["ApproximateNumberOfMessages"] == "1"

    await wait_until(queued, timeout=30, message="the second order.created in the loyalty queue")
    await aws.sqs.purge_queue(QueueUrl=queue_url)  # the incident: a consumer's messages lost (an operator's purge)
    start_service_process("loyalty")

    async def both_logged() -> ShopctlRun | None:
        run = run_shopctl(
            prefix, "events", "replay", "--source", "log", "--from", "10m", "--type", "order.created", "--dry-run"
        )
        return run if run.exit_code == 0 and "2 event(s)" in run.stdout else None

    dry = await wait_until(both_logged, timeout=30, interval=1, message="both order.created events in the event log")
    assert "order.created: 2" in dry.stdout and "nothing replayed" in dry.stdout
    assert await points_balance(aws, deployed_topology, lost.data.customer_id) is None

    replayed = run_shopctl(prefix, "events", "replay", "--source", "log", "--from", "10m", "--type", "order.created")
    assert replayed.exit_code == 0, replayed.stderr
    assert "replayed 2 event(s)" in replayed.stdout and "idempotent" in replayed.stdout

    async def credited_lost() -> int | None:
        return await points_balance(aws, deployed_topology, lost.data.customer_id)

    assert await wait_until(credited_lost, timeout=60, message="the lost order credited after the replay") == 45
    await wait_until_drained(aws.sqs, queue_url, timeout=60)
    assert await points_balance(aws, deployed_topology, handled.data.customer_id) == 30  # seen twice, credited once

    # The replayed copies are in the log too; the replay counts each event id once.
    again = run_shopctl(
        prefix, "events", "replay", "--source", "log", "--from", "10m", "--type", "order.created", "--dry-run"
    )
    assert "2 event(s)" in again.stdout, again.stdout


async def test_the_archive_replay_goes_to_the_rules_of_the_types_asked_for(
    deployed_topology: DeployedTopology, aws: AwsClients
) -> None:
    """LocalStack 4.14 fails StartReplay once an archive holds an event, so this archive matches nothing: the calls,
    the rule selection and the wait are real; the replayed events are the log test's job."""
    prefix = deployed_topology.prefix
    missing = run_shopctl(prefix, "events", "replay", "--source", "archive", "--from", "1h")
    assert missing.exit_code == 3
    assert f"no archive {deployed_topology.bus_name}" in missing.stderr and "Traceback" not in missing.stderr

    bus_arn = (await aws.events.describe_event_bus(Name=deployed_topology.bus_name))["Arn"]
    await aws.events.create_archive(
        ArchiveName=deployed_topology.bus_name,
        EventSourceArn=bus_arn,
        EventPattern=json.dumps({"source": ["test.nothing-matches"]}),
        RetentionDays=1,
    )
    try:
        run = run_shopctl(prefix, "events", "replay", "--source", "archive", "--from", "1h", "--type", "payment.failed")
        assert run.exit_code == 0, run.stderr
        rules = [line.strip()[2:].split(" ")[0] for line in run.stdout.splitlines() if line.strip().startswith("- ")]
        assert rules == [
            deployed_topology.name(key)
            for key in ("payment-failed-to-loyalty", "payment-failed-to-notifications", "payment-outcomes-to-order")
        ]
        assert "receives payment.succeeded of the window too" in run.stdout
        assert "completed" in run.stdout
        replays: list[dict[str, Any]] = (await aws.events.list_replays(NamePrefix=deployed_topology.bus_name))[
            "Replays"
        ]
        assert [replay["State"] for replay in replays] == ["COMPLETED"]
    finally:
        await aws.events.delete_archive(ArchiveName=deployed_topology.bus_name)
