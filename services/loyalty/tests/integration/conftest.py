"""Fixtures of the loyalty integration tests: the running service, and customers' tokens to read it with."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from shop_devtools.dev_issuer import DevIssuerClient, bearer
from shop_devtools.processes import ManagedProcess
from shop_devtools.testing.fixtures import StartService

AuthHeaders = Callable[[str], dict[str, str]]


@pytest.fixture(scope="module")
def loyalty_service(start_service_process: StartService) -> ManagedProcess:
    """The loyalty service of this module (stopped with the module)."""
    return start_service_process("loyalty")


@pytest.fixture(scope="module")
def auth_headers(dev_issuer: DevIssuerClient) -> AuthHeaders:
    """`auth_headers(customer_id)`: a bearer token of the customer from the dev issuer the service trusts."""

    def headers(customer_id: str) -> dict[str, str]:
        return bearer(dev_issuer.mint(customer_id))

    return headers
