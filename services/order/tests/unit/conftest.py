"""In-memory fakes of the order service's ports (repository with its outbox, idempotency records and
publish-after-commit, encryption), and a token issuer: the API client is the customer c-123 by default."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
import pytest
from shop_devtools.testing.tokens import TestIssuer
from shop_order.bootstrap import OrderContainer
from shop_order.domain import IdempotencyRecord, Order, OrderPage, OrderStatus, StoredResponse
from shop_order.entrypoints.api import create_app
from shop_order.exceptions import DependencyUnavailable, IdempotencyKeyTaken, InvalidCursor
from shop_order.handlers import RateLimiting, Render
from shop_order.settings import OrderSettings
from shop_shared.contracts import Contact, EventEnvelope
from shop_shared.outbox.unit_of_work import EventRelay

from tests.fakes.order_rate_limits import InMemoryRateLimiter, default_rate_limiting

# The customer the `api` client is, and the contacts its identity provider verified (order_body uses the phone).
CUSTOMER = "c-123"
CUSTOMER_PHONE = "+15555550100"
CUSTOMER_EMAIL = "c-123@example.com"


class InMemoryOrderRepository:
    """Orders, outbox entries and idempotency records in dicts; `add` stores all or nothing, like the
    DynamoDB transaction, and refuses a key held by a record that had not expired when the request was made."""

    def __init__(self) -> None:
        self.orders: dict[str, Order] = {}
        self.outbox: dict[str, EventEnvelope[Any]] = {}
        self.idempotency: dict[str, IdempotencyRecord] = {}
        self.unavailable = False
        # Runs just before a conditional status write: lets a test play a concurrent writer.
        self.before_status_write: Callable[[], Awaitable[None]] | None = None
        # Runs just before a refused key's record is read: lets a test expire or delete it meanwhile.
        self.before_record_read: Callable[[], Awaitable[None]] | None = None
        self._cursors: dict[str, tuple[str, int]] = {}
        # The publish-after-commit the unit of work hands committed events to (the `publisher` fixture).
        self.relay: EventRelay | None = None

    async def add(
        self, order: Order, events: Sequence[EventEnvelope[Any]], *, idempotency: IdempotencyRecord | None = None
    ) -> None:
        if self.unavailable:
            raise DependencyUnavailable("DynamoDB")
        if order.order_id in self.orders:
            raise RuntimeError("duplicate order id")
        if idempotency is not None:
            held = self.idempotency.get(idempotency.idempotency_key)
            if held is not None and held.expires_at >= int(idempotency.created_at.timestamp()):
                raise IdempotencyKeyTaken(idempotency.idempotency_key)
            self.idempotency[idempotency.idempotency_key] = idempotency
        self.orders[order.order_id] = order
        self.outbox.update({str(envelope.metadata.event_id): envelope for envelope in events})
        if events and self.relay is not None:
            await self.relay.publish_committed(events)

    async def get(self, order_id: str) -> Order | None:
        if self.unavailable:
            raise DependencyUnavailable("DynamoDB")
        return self.orders.get(order_id)

    async def get_idempotency_record(self, key: str) -> IdempotencyRecord | None:
        if self.before_record_read is not None:
            await self.before_record_read()
        return self.idempotency.get(key)

    async def list_for_customer(self, customer_id: str, *, limit: int, cursor: str | None) -> OrderPage:
        if self.unavailable:
            raise DependencyUnavailable("DynamoDB")
        start = 0
        if cursor is not None:
            if self._cursors.get(cursor, ("", 0))[0] != customer_id:
                raise InvalidCursor("not handed out for this customer")
            start = self._cursors[cursor][1]
        mine = sorted(
            (order for order in self.orders.values() if order.customer_id == customer_id),
            key=lambda order: (order.created_at, order.order_id),
            reverse=True,
        )
        page = mine[start : start + limit]
        next_cursor = None
        if start + limit < len(mine):
            next_cursor = f"fake-cursor-{len(self._cursors)}"
            self._cursors[next_cursor] = (customer_id, start + limit)
        return OrderPage(orders=tuple(page), next_cursor=next_cursor)

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
        sealed = json.dumps({"customer_id": customer_id, "contact": json.loads(contact.to_plaintext())})
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
    """The repository's publish-after-commit, recording what it published."""
    repository.relay = RecordingPublisher(repository)
    return repository.relay


@pytest.fixture
def rate_limiter() -> InMemoryRateLimiter:
    return InMemoryRateLimiter()


@pytest.fixture
def rate_limiting(rate_limiter: InMemoryRateLimiter) -> RateLimiting:
    """The default limit (10 orders a minute per customer) on the in-memory counters."""
    return default_rate_limiting(rate_limiter)


@pytest.fixture(scope="session")
def issuer() -> TestIssuer:
    """The identity provider the app trusts (one RSA key for the session)."""
    return TestIssuer()


@pytest.fixture
def fake_services(
    repository: InMemoryOrderRepository,
    encryption: ReversibleContactEncryption,
    publisher: RecordingPublisher,
    rate_limiting: RateLimiting,
    issuer: TestIssuer,
) -> OrderContainer:
    return OrderContainer(
        repository=repository,
        contact_encryption=encryption,
        rate_limiting=rate_limiting,
        token_verifier=issuer.verifier(),
    )


@pytest.fixture
def render() -> Render:
    """What the handlers are given to answer a new order: here the order's JSON, without its ciphertext."""

    def as_json(order: Order) -> StoredResponse:
        return StoredResponse(status=201, body=order.model_dump_json(exclude={"contact_ciphertext"}))

    return as_json


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


ClientFor = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def settings(issuer: TestIssuer) -> OrderSettings:
    return OrderSettings(
        auth_issuer=issuer.issuer,
        auth_audience=issuer.audience,
        event_bus_name="bus",
        orders_table="orders",
        outbox_table="outbox",
        idempotency_table="idempotency",
        payment_outcomes_queue="outcomes",
        contact_key_id="alias/contact",
        rate_limits_table="rate-limits",
        shutdown_grace_seconds=1.0,
    )


@pytest.fixture
def client_for(settings: OrderSettings, issuer: TestIssuer) -> ClientFor:
    """`async with client_for(services) as client:` the app through ASGITransport, its lifespan running.

    The client sends a token of `as_customer` (c-123, its phone and e-mail verified); None sends no token.
    """

    @asynccontextmanager
    async def open_client(
        services: OrderContainer,
        *,
        app_settings: OrderSettings | None = None,
        raise_app_exceptions: bool = True,
        as_customer: str | None = CUSTOMER,
    ) -> AsyncIterator[httpx.AsyncClient]:
        async def build(_: OrderSettings, __: AsyncExitStack) -> OrderContainer:
            return services

        app = create_app(app_settings or settings, build=build)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
        headers = {} if as_customer is None else issuer.bearer(as_customer, phone=CUSTOMER_PHONE, email=CUSTOMER_EMAIL)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://order", headers=headers) as client,
        ):
            yield client

    return open_client


@pytest.fixture
async def api(client_for: ClientFor, fake_services: OrderContainer) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(fake_services) as client:
        yield client
