"""Fixtures of the batch-worker integration tests: the running worker, AWS clients and a tier-event tap."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aioboto3
import pytest
from shop_devtools.processes import ManagedProcess
from shop_devtools.runtime import LocalAws
from shop_shared.contracts import LOYALTY_SOURCE, LoyaltyTierChanged
from shop_shared.topology import DeployedTopology


@pytest.fixture(scope="module")
def batch_worker(start_service_process: Any) -> Iterator[ManagedProcess]:
    """The worker pool for this module; stopped afterwards so no other suite shares its activity tasks."""
    process: ManagedProcess = start_service_process("batch-worker")
    yield process
    process.stop()


@pytest.fixture
async def aws(local_aws: LocalAws) -> AsyncIterator[dict[str, Any]]:
    session = aioboto3.Session(region_name="us-east-1")
    async with (
        session.client("events") as events,
        session.client("sqs") as sqs,
        session.client("dynamodb") as dynamodb,
        session.client("stepfunctions") as sfn,
    ):
        yield {"events": events, "sqs": sqs, "dynamodb": dynamodb, "sfn": sfn}


@pytest.fixture
async def tier_events_queue(aws: dict[str, Any], deployed_topology: DeployedTopology) -> AsyncIterator[str]:
    """A temporary queue that receives every loyalty.tier_changed on the bus; removed with its rule afterwards."""
    name = f"{deployed_topology.prefix}tier-tap-{uuid.uuid4().hex[:8]}"
    events, sqs = aws["events"], aws["sqs"]
    queue_url = (await sqs.create_queue(QueueName=name))["QueueUrl"]
    try:
        queue_arn = (await sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"]))["Attributes"][
            "QueueArn"
        ]
        rule_arn = (
            await events.put_rule(
                Name=name,
                EventBusName=deployed_topology.bus_name,
                EventPattern=json.dumps({"source": [LOYALTY_SOURCE], "detail-type": [LoyaltyTierChanged.event_type]}),
            )
        )["RuleArn"]
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": queue_arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
                }
            ],
        }
        await sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(policy)})
        await events.put_targets(
            Rule=name, EventBusName=deployed_topology.bus_name, Targets=[{"Id": "tap", "Arn": queue_arn}]
        )
        yield queue_url
    finally:
        try:
            await events.remove_targets(Rule=name, EventBusName=deployed_topology.bus_name, Ids=["tap"])
            await events.delete_rule(Name=name, EventBusName=deployed_topology.bus_name)
        finally:
            await sqs.delete_queue(QueueUrl=queue_url)
