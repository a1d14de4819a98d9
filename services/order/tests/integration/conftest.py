"""Fixtures of the order integration tests: the real order process and AWS clients for the checks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import aioboto3
import httpx
import pytest
from shop_devtools.runtime import LocalAws
from shop_devtools.testing.fixtures import StartService


@dataclass(frozen=True)
class AwsClients:
    dynamodb: Any
    events: Any
    kms: Any
    sqs: Any


@pytest.fixture(scope="module")
def order_url(start_service_process: StartService, service_ports: dict[str, int]) -> str:
    """The session's order process (shared with other tests of the session, stopped by the session)."""
    start_service_process("order")
    return f"http://127.0.0.1:{service_ports['order']}"


@pytest.fixture(scope="module")
async def order_api(order_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=order_url, timeout=10) as client:
        yield client


@pytest.fixture(scope="module")
async def aws(local_aws: LocalAws) -> AsyncIterator[AwsClients]:
    session = aioboto3.Session()
    async with AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(session.client(name)) for name in ("dynamodb", "events", "kms", "sqs")
        ]
        yield AwsClients(*clients)
