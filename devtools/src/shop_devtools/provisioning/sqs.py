"""SQS queues: each consumer's queue with its redrive to a dead-letter queue."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError
from shop_shared.topology import Queue

from .common import Outcome, Provisioned, error_code

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.literals import QueueAttributeNameType

__all__ = ["DLQ_RETENTION_SECONDS", "ProvisionedQueue", "ensure_dlq", "ensure_queue"]

DLQ_RETENTION_SECONDS = 14 * 24 * 3600


@dataclass(frozen=True, kw_only=True)
class ProvisionedQueue(Provisioned):
    """A queue, with the URL its consumers and producers use."""

    url: str


def ensure_dlq(sqs: SQSClient, name: str) -> ProvisionedQueue:
    return _reconcile_queue(sqs, name, {"MessageRetentionPeriod": str(DLQ_RETENTION_SECONDS)})


def ensure_queue(
    sqs: SQSClient, name: str, dlq_arn: str, queue: Queue, allowed_rule_arns: list[str]
) -> ProvisionedQueue:
    """The queue with its redrive to `dlq_arn` and a policy that lets only its own rules send to it."""
    queue_arn = f"{dlq_arn.rsplit(':', 1)[0]}:{name}"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowOwnRules",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": sorted(allowed_rule_arns)}},
            }
        ],
    }
    attributes: dict[QueueAttributeNameType, str] = {
        "VisibilityTimeout": str(queue.visibility_timeout_seconds),
        "RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": queue.max_receive_count}, sort_keys=True
        ),
        "Policy": json.dumps(policy, sort_keys=True),
    }
    return _reconcile_queue(sqs, name, attributes)


def _queue_url(sqs: SQSClient, name: str) -> str | None:
    try:
        return sqs.get_queue_url(QueueName=name)["QueueUrl"]
    except ClientError as error:
        if error_code(error) not in {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"}:
            raise
        return None


def _reconcile_queue(sqs: SQSClient, name: str, attributes: dict[QueueAttributeNameType, str]) -> ProvisionedQueue:
    """Create the queue or bring its attributes in line."""
    outcome: Outcome
    url = _queue_url(sqs, name)
    if url is None:
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        outcome = "created"
    else:
        current = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        drift = {key: value for key, value in attributes.items() if current.get(key) != value}
        if drift:
            sqs.set_queue_attributes(QueueUrl=url, Attributes=drift)
        outcome = "updated" if drift else "unchanged"
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return ProvisionedQueue(name=name, arn=arn, url=url, outcome=outcome)
