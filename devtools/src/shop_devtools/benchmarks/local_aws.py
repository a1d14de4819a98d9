"""The benchmark's AWS plumbing: the AWS variables while it runs, and cleaning up what it left in a reused runtime."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from shop_devtools.emulators import EmulatorEndpoints
from shop_devtools.runtime import LocalAws, free_port, reuse_or_start_local_aws, start_local_aws

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient

__all__ = [
    "OwnLocalAws",
    "aws_variables",
    "finish_work_dir",
    "own_local_aws",
    "remove_prefixed_resources",
    "start_own_emulators",
]


@dataclass
class OwnLocalAws:
    """What `own_local_aws` yields: the runtime, its work dir (logs), and `ok`, which the run sets when it passed."""

    runtime: LocalAws
    work_dir: Path
    ok: bool = False

    @property
    def env(self) -> dict[str, str]:
        return self.runtime.env


def start_own_emulators(work_dir: Path) -> LocalAws:
    """LocalStack and moto of the run's own, on free ports, logging into `work_dir`."""
    endpoints = EmulatorEndpoints(localstack_port=free_port(), dynamodb_port=free_port())
    return start_local_aws(endpoints, reuse=False, data_dir=work_dir / "localstack", log_dir=work_dir)


def reuse_or_start(work_dir: Path) -> LocalAws:
    """The runtime of `make start` when it answers, else emulators of the run's own (see runtime.py)."""
    return reuse_or_start_local_aws(data_dir=work_dir / "localstack", log_dir=work_dir)


@contextmanager
def own_local_aws(
    prefix: str,
    *,
    keep_logs: bool,
    kept_message: str,
    start: Callable[[Path], LocalAws] = start_own_emulators,
    parent: Path | None = None,
    before_start: Callable[[Path], None] | None = None,
) -> Iterator[OwnLocalAws]:
    """A temp work dir (`prefix` under `parent`), the emulators `start` gives, and the AWS variables pointing at them.

    On every exit (exceptions and Ctrl-C included) the processes started are stopped by PID; the work dir is removed
    when the run set `ok` and `keep_logs` is off, else kept and `kept_message` (with `{work_dir}`) printed to stderr.
    """
    work_dir = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    if before_start is not None:
        before_start(work_dir)
    run = OwnLocalAws(start(work_dir), work_dir)
    try:
        with aws_variables(run.env):
            yield run
    finally:
        run.runtime.stop()
        finish_work_dir(work_dir, ok=run.ok, keep_logs=keep_logs, kept_message=kept_message)


def finish_work_dir(work_dir: Path, *, ok: bool, keep_logs: bool, kept_message: str) -> None:
    """Remove the work dir of a passing run unless asked to keep it; otherwise say where the logs are."""
    if ok and not keep_logs:
        shutil.rmtree(work_dir, ignore_errors=True)
    else:
        print(kept_message.format(work_dir=work_dir), file=sys.stderr, flush=True)


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
