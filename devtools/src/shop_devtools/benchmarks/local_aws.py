"""The benchmark's AWS plumbing: the AWS variables while it runs, and cleaning up what it left in a reused runtime."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient

__all__ = [
    "aws_variables",
    "remove_prefixed_resources",
]


@contextmanager
def aws_variables(values: dict[str, str]) -> Iterator[None]:
    """The AWS_* variables that point boto3 (and provisioning) at the emulators, restored afterwards."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def remove_prefixed_resources(dynamodb: DynamoDBClient, sqs: SQSClient, prefix: str) -> None:
    """Give a reused runtime its memory back: the prefix's tables (moto) and queues (tier events in LocalStack)."""
    for page in dynamodb.get_paginator("list_tables").paginate():
        for name in page.get("TableNames", []):
            if name.startswith(prefix):
                _ignore_missing(dynamodb.delete_table, TableName=name)
    for url in sqs.list_queues(QueueNamePrefix=prefix).get("QueueUrls", []):
        _ignore_missing(sqs.delete_queue, QueueUrl=url)


def _ignore_missing(call: Callable[..., object], **arguments: str) -> None:
    try:
        call(**arguments)
    except ClientError as error:
        print(f"cleanup: {error}", file=sys.stderr)
