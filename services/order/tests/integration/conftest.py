"""Fixtures of the order integration tests: the real order process, an HTTP client for it, and customers' tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping

import httpx
import pytest
from shop_devtools.dev_issuer import DevIssuerClient, bearer
from shop_devtools.testing.fixtures import StartService

AuthHeaders = Callable[..., dict[str, str]]


@pytest.fixture(scope="module")
def order_url(start_service_process: StartService, service_ports: dict[str, int]) -> str:
    """The module's order process (shared by the module's tests, stopped with the module)."""
    start_service_process("order")
    return f"http://127.0.0.1:{service_ports['order']}"


@pytest.fixture(scope="module")
async def order_api(order_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client without a token: each request carries the `auth_headers` of its customer."""
    async with httpx.AsyncClient(base_url=order_url, timeout=10) as client:
        yield client


@pytest.fixture(scope="module")
def auth_headers(dev_issuer: DevIssuerClient) -> AuthHeaders:
    """`auth_headers(customer_id, contact)`: a bearer token of the customer from the dev issuer the process trusts,
    with `contact` (the order's: {"phone": ...} or {"email": ...}) as its verified contact."""

    def headers(customer_id: str, contact: Mapping[str, str] | None = None) -> dict[str, str]:
        return bearer(dev_issuer.mint_for_contact(customer_id, contact or {}))

    return headers
