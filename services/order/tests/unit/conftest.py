"""In-memory fakes of the order service's ports (repository with its outbox, encryption, publisher)."""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import pytest
from shop_order.bootstrap import OrderBootstrap
from shop_order.domain import Contact, Order, OrderStatus
from shop_order.exceptions import DependencyUnavailable
from shop_shared.contracts import EventEnvelope


class InMemoryOrderRepository:
    """Orders and outbox entries in dicts; `add` stores both or neither, like the DynamoDB transaction."""

    def __init__(self) -> None:
        self.orders: dict[str, Order] = {}
        self.outbox: dict[str, EventEnvelope[Any]] = {}
        self.unavailable = False
        # Runs just before a conditional status write: lets a test play a concurrent writer.
        self.before_status_write: Callable[[], Awaitable[None]] | None = None

    async def add(self, order: Order, events: Sequence[EventEnvelope[Any]]) -> None:
        if self.unavailable:
            raise DependencyUnavailable("DynamoDB")
        if order.order_id in self.orders:
            raise RuntimeError("duplicate order id")
        self.orders[order.order_id] = order
        self.outbox.update({str(envelope.metadata.event_id): envelope for envelope in events})

    async def get(self, order_id: str) -> Order | None:
        if self.unavailable:
            raise DependencyUnavailable("DynamoDB")
        return self.orders.get(order_id)

    async def save_status_change(self, order: Order, *, expected: OrderStatus) -> bool:
        if self.before_status_write is not None:
            await self.before_status_write()
        stored = self.orders.get(order.order_id)
        if stored is None or stored.status is not expected:
            return False
        self.orders[order.order_id] = order
        return True


class ReversibleContactEncryption:
    """Not encryption: a reversible encoding bound to the customer, so tests can check what went in."""

    def __init__(self) -> None:
        self.unavailable = False

    async def encrypt(self, contact: Contact, *, customer_id: str) -> str:
        if self.unavailable:
            raise DependencyUnavailable("KMS")
        sealed = json.dumps({"customer_id": customer_id, "contact": json.loads(contact.to_json())})
        return base64.b64encode(sealed.encode()).decode()

    @staticmethod
    def decrypt(ciphertext: str) -> dict[str, Any]:
        opened: dict[str, Any] = json.loads(base64.b64decode(ciphertext))
        return opened


class RecordingPublisher:
    def __init__(self, repository: InMemoryOrderRepository) -> None:
        self.published: list[EventEnvelope[Any]] = []
        self._repository = repository

    async def publish_committed(self, envelopes: Sequence[EventEnvelope[Any]]) -> None:
        # Publishing an event the outbox does not hold yet would reopen the dual-write gap.
        for envelope in envelopes:
            assert str(envelope.metadata.event_id) in self._repository.outbox, "published before the commit"
        self.published.extend(envelopes)


@pytest.fixture
def repository() -> InMemoryOrderRepository:
    return InMemoryOrderRepository()


@pytest.fixture
def encryption() -> ReversibleContactEncryption:
    return ReversibleContactEncryption()


@pytest.fixture
def publisher(repository: InMemoryOrderRepository) -> RecordingPublisher:
    return RecordingPublisher(repository)


@pytest.fixture
def fake_services(
    repository: InMemoryOrderRepository, encryption: ReversibleContactEncryption, publisher: RecordingPublisher
) -> OrderBootstrap:
    return OrderBootstrap(repository=repository, contact_encryption=encryption, publisher=publisher)


@pytest.fixture
def order_body() -> dict[str, Any]:
    return {
        "customer_id": "c-123",
        "currency": "USD",
        "items": [
            {"sku": "SKU-1", "quantity": 2, "unit_price": "19.99"},
            {"sku": "SKU-2", "quantity": 1, "unit_price": 5},
        ],
        "payment_token": "tok_success",
        "contact": {"phone": "+15555550100"},
    }
