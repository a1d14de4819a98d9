"""Fixtures of the order integration tests: the real order process and an HTTP client for it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from shop_devtools.testing.fixtures import StartService


@pytest.fixture(scope="module")
def order_url(start_service_process: StartService, service_ports: dict[str, int]) -> str:
    """The module's order process (shared by the module's tests, stopped with the module)."""
    start_service_process("order")
    return f"http://127.0.0.1:{service_ports['order']}"


@pytest.fixture(scope="module")
async def order_api(order_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=order_url, timeout=10) as client:
        yield client
