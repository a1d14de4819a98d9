"""Integration fixtures: the simulated provider and the payment service as real processes, the API key,
and a temporary queue that catches payment events on the bus."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aioboto3
import boto3
import pytest
from shop_shared.contracts import PAYMENT_SOURCE, EventEnvelope
from shop_shared.messaging import envelope_from_sqs_body
from shop_shared.topology import DeployedTopology


@dataclass(frozen=True)
class PaymentStack:
    payment_url: str
    provider_url: str


@pytest.fixture(scope="module")
def payment_stack(start_service_process: Any, service_ports: dict[str, int]) -> PaymentStack:
    """The simulator and payment as real processes (shared with the session's other tests, stopped at its end)."""
    start_service_process("payment-provider")
    start_service_process("payment")
    return PaymentStack(
        payment_url=f"http://127.0.0.1:{service_ports['payment']}",
        provider_url=f"http://127.0.0.1:{service_ports['payment-provider']}",
    )


@pytest.fixture(scope="module")
def api_key(deployed_topology: DeployedTopology) -> str:
    """The key the EventBridge connection sends, read where payment reads it."""
    secret_id = deployed_topology.name("payment-events-api-key")
    key: str = boto3.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
    return key


class EventCatcher:
    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url

    async def next(self, timeout: float = 15.0) -> EventEnvelope[Any]:
        """The next event on the queue, or a failure after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            wait = max(1, min(5, int(deadline - time.monotonic())))
            response = await self._sqs.receive_message(
                QueueUrl=self._queue_url, MaxNumberOfMessages=1, WaitTimeSeconds=wait
            )
            for message in response.get("Messages", []):
                await self._sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"])
                return envelope_from_sqs_body(message["Body"])
        raise AssertionError(f"no payment event reached the bus within {timeout:.0f} s")

    async def nothing_more(self, seconds: int = 1) -> bool:
        response = await self._sqs.receive_message(QueueUrl=self._queue_url, WaitTimeSeconds=seconds)
        return not response.get("Messages")


CatchPaymentEvents = Callable[[str], AbstractAsyncContextManager[EventCatcher]]


@pytest.fixture
def catch_payment_events(deployed_topology: DeployedTopology) -> CatchPaymentEvents:
    """`async with catch_payment_events(order_id) as catcher`: a rule for shop.payment events of that order
    into a queue of its own, both removed afterwards."""

    @asynccontextmanager
    async def catch(order_id: str) -> AsyncIterator[EventCatcher]:
        name = deployed_topology.name(f"payment-test-{uuid.uuid4().hex[:8]}")
        bus = deployed_topology.bus_name
        session = aioboto3.Session()
        async with session.client("sqs") as sqs, session.client("events") as events:
            queue_url = (await sqs.create_queue(QueueName=name))["QueueUrl"]
            try:
                queue_arn = (await sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"]))[
                    "Attributes"
                ]["QueueArn"]
                pattern = {"source": [PAYMENT_SOURCE], "detail": {"data": {"order_id": [order_id]}}}
                rule_arn = (await events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(pattern)))[
                    "RuleArn"
                ]
                try:
                    await sqs.set_queue_attributes(
                        QueueUrl=queue_url, Attributes={"Policy": _policy(queue_arn, rule_arn)}
                    )
                    await events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "queue", "Arn": queue_arn}])
                    yield EventCatcher(sqs, queue_url)
                finally:
                    await events.remove_targets(Rule=name, EventBusName=bus, Ids=["queue"])
                    await events.delete_rule(Name=name, EventBusName=bus)
            finally:
                await sqs.delete_queue(QueueUrl=queue_url)

    return catch


def _policy(queue_arn: str, rule_arn: str) -> str:
    return json.dumps(
        {
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
    )
