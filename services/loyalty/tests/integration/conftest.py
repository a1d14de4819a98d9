"""Fixtures of the loyalty integration tests: the running service."""

from __future__ import annotations

import pytest
from shop_devtools.processes import ManagedProcess
from shop_devtools.testing.fixtures import StartService


@pytest.fixture(scope="module")
def loyalty_service(start_service_process: StartService) -> ManagedProcess:
    """The loyalty service of this module (stopped with the module)."""
    return start_service_process("loyalty")
