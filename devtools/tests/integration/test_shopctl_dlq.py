"""`shopctl dlq show|redrive` on the real local runtime: a poison message dies while loyalty is misconfigured, is
shown without being consumed, and after the fix a redrive brings it back and it is credited exactly once."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from shop_devtools.testing.events import as_eventbridge_event, order_created_envelope, wait_until, wait_until_drained
from shop_devtools.testing.fixtures import AwsClients, StartService
from shop_devtools.testing.loyalty import points_balance
from shop_devtools.testing.shopctl import run_shopctl
from shop_shared.aws import from_item, to_item
from shop_shared.messaging import EventBridgePublisher
from shop_shared.topology import DeployedTopology, Topology, load_topology

pytestmark = pytest.mark.integration

QUEUE = "loyalty-order-events"
ORDER_OUTCOMES = "order-payment-outcomes"


@pytest.fixture(scope="module")
def topology() -> Topology:
    """Failed messages die after 2 receives, 2 s apart (60 s x 5 in the real topology)."""
    declared = load_topology()
    fast = {
        key: queue.model_copy(update={"visibility_timeout_seconds": 2, "max_receive_count": 2})
        for key, queue in declared.queues.items()
    }
    return declared.model_copy(update={"queues": fast})


async def _count(aws: AwsClients, url: str) -> int:
    attributes = await aws.sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )
    return sum(int(value) for value in attributes["Attributes"].values())


async def _url(aws: AwsClients, name: str) -> str:
    return (await aws.sqs.get_queue_url(QueueName=name))["QueueUrl"]


async def test_poison_message_is_redriven_after_the_fix_and_credited_exactly_once(
    deployed_topology: DeployedTopology,
    aws: AwsClients,
    start_service_process: StartService,
    service_ports: dict[str, int],
) -> None:
    prefix = deployed_topology.prefix
    dlq_url = await _url(aws, deployed_topology.dlq_name(QUEUE))
    # The consumer's bug: a ledger table that does not exist, so every handling fails before writing anything.
    broken = start_service_process("loyalty", extra_env={"LOYALTY_LEDGER_TABLE": f"{prefix}no-such-ledger"})
    customer = f"c-dlq-{uuid.uuid4().hex[:8]}"
    envelope = order_created_envelope(customer, "75.00")
    order_id = envelope.data.order_id
    published = await EventBridgePublisher(aws.events, deployed_topology.bus_name).publish([envelope])
    assert published.published == [envelope.metadata.event_id], published.failed

    async def dead() -> bool:
        return await _count(aws, dlq_url) == 1

    await wait_until(dead, timeout=120, interval=0.5, message="the poison message in the DLQ")
    broken.stop()

    red = run_shopctl(prefix, "status", "--json")
    assert red.exit_code == 2, red.stderr
    assert any(deployed_topology.dlq_name(QUEUE) in reason for reason in red.json()["reasons"])

    shown = run_shopctl(prefix, "dlq", "show", QUEUE, "--json")
    assert shown.exit_code == 0, shown.stderr
    [message] = shown.json()
    assert message["event_type"] == "order.created"
    assert message["event_id"] == str(envelope.metadata.event_id)
    assert message["order_id"] == order_id
    assert message["receive_count"] >= 2
    assert await _count(aws, dlq_url) == 1  # shown, not consumed: still there (visible again at once)

    start_service_process("loyalty")  # the fix: the right ledger table
    dry = run_shopctl(prefix, "dlq", "redrive", QUEUE, "--dry-run")
    assert dry.exit_code == 0 and "would move 1 of 1" in dry.stdout, dry.stdout + dry.stderr
    assert await _count(aws, dlq_url) == 1

    redriven = run_shopctl(prefix, "dlq", "redrive", QUEUE)
    assert redriven.exit_code == 0, redriven.stderr
    assert "moved 1 message(s)" in redriven.stdout and "idempotent" in redriven.stdout

    ledger = deployed_topology.name("loyalty-ledger")

    async def credited() -> dict[str, Any] | None:
        item = await aws.dynamodb.get_item(TableName=ledger, Key=to_item({"order_id": order_id}), ConsistentRead=True)
        return from_item(item["Item"]) if "Item" in item else None

    entry = await wait_until(credited, timeout=60, message="the redriven order credited")
    await wait_until_drained(aws.sqs, await _url(aws, deployed_topology.name(QUEUE)), timeout=60)
    assert await _count(aws, dlq_url) == 0
    assert await points_balance(aws, deployed_topology, customer) == int(entry["points"]) == 75  # once, not twice
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{service_ports['loyalty-partner']}", timeout=10
    ) as partner:

        async def told() -> list[dict[str, Any]]:
            response = await partner.get("/v1/credits", params={"customer_id": customer})
            credits: list[dict[str, Any]] = response.json()["credits"]
            return credits

        assert [credit["order_id"] for credit in await wait_until(told, timeout=30, message="partner told")] == [
            order_id
        ]


async def test_an_unreadable_message_is_explained_and_copied_back_with_max(
    deployed_topology: DeployedTopology, aws: AwsClients
) -> None:
    """No consumer runs on order-payment-outcomes here: the test receives without deleting, as a failing one would."""
    prefix = deployed_topology.prefix
    source_url = await _url(aws, deployed_topology.name(ORDER_OUTCOMES))
    dlq_url = await _url(aws, deployed_topology.dlq_name(ORDER_OUTCOMES))
    await aws.sqs.send_message(QueueUrl=source_url, MessageBody=json.dumps({"detail-type": "payment.succeeded"}))

    async def dead() -> bool:
        await aws.sqs.receive_message(QueueUrl=source_url, VisibilityTimeout=0, WaitTimeSeconds=1)
        return await _count(aws, dlq_url) == 1

    await wait_until(dead, timeout=60, message="the unreadable message in the DLQ")

    [message] = run_shopctl(prefix, "dlq", "show", deployed_topology.dlq_name(ORDER_OUTCOMES), "--json").json()
    assert message["event_type"] == "payment.succeeded"
    assert message["why"].startswith("not a valid envelope")

    moved = run_shopctl(prefix, "dlq", "redrive", ORDER_OUTCOMES, "--max", "1")
    assert moved.exit_code == 0, moved.stderr
    assert "copy-then-delete" in moved.stdout
    assert await _count(aws, dlq_url) == 0
    assert await _count(aws, source_url) == 1


def test_a_missing_queue_is_a_clear_error(deployed_topology: DeployedTopology) -> None:
    result = run_shopctl(deployed_topology.prefix, "dlq", "show", "no-such-queue")
    assert result.exit_code == 3
    assert "not a dead-letter queue" in result.stderr and "Traceback" not in result.stderr
    other_prefix = run_shopctl("nowhere-", "dlq", "show", QUEUE)
    assert other_prefix.exit_code == 3 and "does not exist" in other_prefix.stderr


def _failure(rule: str) -> dict[str, Any]:
    """The attributes EventBridge puts on a target's dead letter (the body is the event itself)."""
    return {
        "ERROR_CODE": {"DataType": "String", "StringValue": "CONNECTION_FAILURE"},
        "ERROR_MESSAGE": {"DataType": "String", "StringValue": "the target did not answer"},
        "RULE_ARN": {"DataType": "String", "StringValue": f"arn:aws:events:us-east-1:000000000000:rule/{rule}"},
        "RETRY_ATTEMPTS": {"DataType": "Number", "StringValue": "185"},
    }


async def _credited(aws: AwsClients, deployed: DeployedTopology, envelope: Any, points: int) -> bool:
    return await points_balance(aws, deployed, envelope.data.customer_id) == points


async def test_rule_target_and_schedule_dead_letters_go_back_where_they_were_going(
    deployed_topology: DeployedTopology, aws: AwsClients, start_service_process: StartService
) -> None:
    """Those DLQs exist on AWS only: the test creates them here and writes dead letters as EventBridge does."""
    prefix = deployed_topology.prefix
    start_service_process("loyalty")
    to_loyalty, to_payment = "order-created-to-loyalty-target-dlq", "order-created-to-payment-target-dlq"
    schedule_dlq = "loyalty-tiers-monthly-schedule-dlq"
    urls = {
        name: (await aws.sqs.create_queue(QueueName=deployed_topology.name(name)))["QueueUrl"]
        for name in (to_loyalty, to_payment, schedule_dlq)
    }
    machine_arn = deployed_topology.arns["state_machine:loyalty-tiers"]
    try:
        missed_by_loyalty = order_created_envelope(f"c-target-{uuid.uuid4().hex[:8]}", "20.00")
        body = json.dumps(as_eventbridge_event(missed_by_loyalty))
        await aws.sqs.send_message(QueueUrl=urls[to_loyalty], MessageBody=body, MessageAttributes=_failure(to_loyalty))
        shown = run_shopctl(prefix, "dlq", "show", to_loyalty, "--json")
        [dead] = shown.json()
        assert (
            dead["why"]
            == "not delivered to its target: CONNECTION_FAILURE the target did not answer (after 185 retries)"
        )
        moved = run_shopctl(prefix, "dlq", "redrive", to_loyalty)
        assert moved.exit_code == 0, moved.stderr
        assert f"to {deployed_topology.name(QUEUE)} (copy-then-delete)" in moved.stdout
        await wait_until(lambda: _credited(aws, deployed_topology, missed_by_loyalty, 20), timeout=60, message="credit")
        assert await _count(aws, urls[to_loyalty]) == 0

        missed_by_payment = order_created_envelope(f"c-target-{uuid.uuid4().hex[:8]}", "21.00")
        await aws.sqs.send_message(
            QueueUrl=urls[to_payment],
            MessageBody=json.dumps(as_eventbridge_event(missed_by_payment)),
            MessageAttributes=_failure(to_payment),
        )
        onto_bus = run_shopctl(prefix, "dlq", "redrive", to_payment)
        assert onto_bus.exit_code == 0, onto_bus.stderr
        assert f"the bus {deployed_topology.bus_name}" in onto_bus.stdout
        # Back on the bus it reaches every order.created rule again: loyalty credits it (payment's is not running here).
        await wait_until(lambda: _credited(aws, deployed_topology, missed_by_payment, 21), timeout=60, message="credit")
        assert await _count(aws, urls[to_payment]) == 0

        await aws.sqs.send_message(QueueUrl=urls[schedule_dlq], MessageBody="{}", MessageAttributes=_failure("s"))
        run = run_shopctl(prefix, "dlq", "redrive", schedule_dlq)
        assert run.exit_code == 0, run.stderr
        assert "1 run(s) started" in run.stdout
        executions = (await aws.stepfunctions.list_executions(stateMachineArn=machine_arn))["executions"]
        [redriven] = [execution for execution in executions if execution["name"].startswith("redrive-")]
        described = await aws.stepfunctions.describe_execution(executionArn=redriven["executionArn"])
        assert json.loads(described["input"]) == {"as_of": datetime.now(UTC).strftime("%Y-%m")}
        assert await _count(aws, urls[schedule_dlq]) == 0
        await aws.stepfunctions.stop_execution(executionArn=redriven["executionArn"])
    finally:
        for url in urls.values():
            await aws.sqs.delete_queue(QueueUrl=url)
