"""Fixtures of the loyalty integration tests: AWS clients on the emulators and the running service."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import aioboto3
import pytest
from shop_devtools.processes import ManagedProcess
from shop_devtools.runtime import LocalAws


@pytest.fixture(scope="module")
def loyalty_service(start_service_process: Any) -> Iterator[ManagedProcess]:
    """The loyalty service for this module's tests; stopped afterwards so other suites can start their own."""
    process: ManagedProcess = start_service_process("loyalty")
    yield process
    process.stop()


@pytest.fixture
async def aws(local_aws: LocalAws) -> AsyncIterator[dict[str, Any]]:
    session = aioboto3.Session(region_name="us-east-1")
    async with (
        session.client("events") as events,
        session.client("sqs") as sqs,
        session.client("dynamodb") as dynamodb,
    ):
        yield {"events": events, "sqs": sqs, "dynamodb": dynamodb}
