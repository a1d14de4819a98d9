"""Integration fixtures: the simulated provider and the payment service as real processes, the API key,
and a capture of one order's payment events on the bus."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from shop_devtools.testing.events import EventCapture, capture_events
from shop_shared.contracts import PAYMENT_SOURCE
from shop_shared.topology import DeployedTopology


@dataclass(frozen=True)
class PaymentStack:
    payment_url: str
    provider_url: str


@pytest.fixture(scope="module")
def payment_stack(start_service_process: Any, service_ports: dict[str, int]) -> PaymentStack:
    """The simulator and payment as real processes (shared by the module's tests, stopped with the module)."""
    start_service_process("payment-provider")
    start_service_process("payment")
    return PaymentStack(
        payment_url=f"http://127.0.0.1:{service_ports['payment']}",
        provider_url=f"http://127.0.0.1:{service_ports['payment-provider']}",
    )


@pytest.fixture(scope="module")
def api_key(deployed_topology: DeployedTopology) -> str:
    """The key the EventBridge connection sends, read where payment reads it."""
    secret_id = deployed_topology.name("payment-events-api-key")
    key: str = boto3.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
    return key


@pytest.fixture
def payment_events(deployed_topology: DeployedTopology) -> Callable[[str], AbstractAsyncContextManager[EventCapture]]:
    """`async with payment_events(order_id) as captured`: the shop.payment events of that order on the bus."""

    def of_order(order_id: str) -> AbstractAsyncContextManager[EventCapture]:
        pattern = {"source": [PAYMENT_SOURCE], "detail": {"data": {"order_id": [order_id]}}}
        return capture_events(deployed_topology.bus_name, pattern)

    return of_order
