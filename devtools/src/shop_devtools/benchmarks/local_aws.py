"""The benchmark's AWS: the running local runtime when one answers, else emulators of its own on free ports."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from shop_devtools.emulators import (
    EmulatorEndpoints,
    start_localstack,
    start_moto,
    wait_until_healthy,
)
from shop_devtools.runtime import LocalAws, configured_endpoints

__all__ = [
    "acquire_local_aws",
    "aws_variables",
    "free_port",
    "remove_prefixed_resources",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def acquire_local_aws(work_dir: Path) -> LocalAws:
    """Reuse `make start`'s emulators (nothing to stop later), or start both on free ports (`.started`)."""
    endpoints = configured_endpoints()
    if endpoints.healthy():
        return LocalAws(endpoints)
    endpoints = EmulatorEndpoints(localstack_port=free_port(), dynamodb_port=free_port())
    runtime = LocalAws(endpoints)
    try:
        runtime.started.append(
            start_localstack(
                endpoints.localstack_port, work_dir / "localstack", log_file=work_dir / "localstack.log", echo=None
            )
        )
        runtime.started.append(start_moto(endpoints.dynamodb_port, log_file=work_dir / "dynamodb.log", echo=None))
        wait_until_healthy(endpoints, runtime.started)
    except BaseException:
        runtime.stop()
        raise
    return runtime


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


def remove_prefixed_resources(dynamodb: Any, sqs: Any, prefix: str) -> None:
    """Give a reused runtime its memory back: the prefix's tables (moto) and queues (tier events in LocalStack)."""
    for page in dynamodb.get_paginator("list_tables").paginate():
        for name in page.get("TableNames", []):
            if name.startswith(prefix):
                _ignore_missing(dynamodb.delete_table, TableName=name)
    for url in sqs.list_queues(QueueNamePrefix=prefix).get("QueueUrls", []):
        _ignore_missing(sqs.delete_queue, QueueUrl=url)


def _ignore_missing(call: Any, **arguments: Any) -> None:
    try:
        call(**arguments)
    except ClientError as error:
        print(f"cleanup: {error}", file=sys.stderr)
