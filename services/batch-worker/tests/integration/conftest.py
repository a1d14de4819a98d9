"""Fixtures of the batch-worker integration tests: the running worker pool and the tier events it publishes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from shop_devtools.processes import ManagedProcess
from shop_devtools.testing.events import EventCapture, capture_events
from shop_devtools.testing.fixtures import StartService
from shop_shared.contracts import LOYALTY_SOURCE, LoyaltyTierChanged
from shop_shared.topology import DeployedTopology


@pytest.fixture(scope="module")
def batch_worker(start_service_process: StartService) -> ManagedProcess:
    """The module's worker pool on the activity of the module's topology (stopped with the module)."""
    return start_service_process("batch-worker")


@pytest.fixture
async def tier_events(deployed_topology: DeployedTopology) -> AsyncIterator[EventCapture]:
    """Every loyalty.tier_changed on the module's bus from now on."""
    pattern = {"source": [LOYALTY_SOURCE], "detail-type": [LoyaltyTierChanged.event_type]}
    async with capture_events(deployed_topology.bus_name, pattern) as capture:
        yield capture
