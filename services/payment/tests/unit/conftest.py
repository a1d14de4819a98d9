"""Fakes of the payment service's ports (in memory, no AWS, no network) and an app wired to them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from shop_payment.adapters.api_keys import ApiKeys, ApiKeyVerifier
from shop_payment.bootstrap import PaymentContainer, assemble, work_rules
from shop_payment.domain import ChargeOutcome, ChargeRequest, ChargeSucceeded, Payment
from shop_payment.entrypoints.api import create_app
from shop_payment.handlers import PaymentWork
from shop_payment.settings import PaymentSettings
from shop_shared.contracts import EventEnvelope

API_KEY = "test-api-key-0123456789"
WORKER = "worker-under-test"


class InMemoryPaymentRepository:
    """The repository's contract in memory: leases, due times and the outbox, written together."""

    def __init__(self) -> None:
        self.payments: dict[str, Payment] = {}
        self.leases: dict[str, str] = {}  # payment id -> lease owner
        self.due: dict[str, datetime] = {}  # payment id -> next step due (the lease's expiry while leased)
        self.outbox: list[EventEnvelope[Any]] = []

    def seed(self, payment: Payment) -> None:
        """A payment a previous run left behind: no lease, due when its due_at says."""
        self.payments[payment.payment_id] = payment
        if payment.due_at is not None:
            self.due[payment.payment_id] = payment.due_at

    async def add(self, payment: Payment, *, owner: str, lease_seconds: float) -> bool:
        if payment.payment_id in self.payments:
            return False
        self.payments[payment.payment_id] = payment
        self.leases[payment.payment_id] = owner
        self.due[payment.payment_id] = payment.created_at + timedelta(seconds=lease_seconds)
        return True

    async def get(self, payment_id: str) -> Payment | None:
        return self.payments.get(payment_id)

    async def claim(self, payment_id: str, *, owner: str, lease_seconds: float, now: datetime) -> Payment | None:
        due = self.due.get(payment_id)
        if due is None or (self.leases.get(payment_id) != owner and due > now):
            return None
        self.leases[payment_id] = owner
        self.due[payment_id] = now + timedelta(seconds=lease_seconds)
        return self.payments[payment_id].model_copy(update={"due_at": self.due[payment_id]})

    async def save(self, payment: Payment, *, owner: str, events: Sequence[EventEnvelope[Any]] = ()) -> bool:
        if self.leases.get(payment.payment_id) != owner:
            return False
        self.payments[payment.payment_id] = payment
        del self.leases[payment.payment_id]
        if payment.due_at is None:
            self.due.pop(payment.payment_id, None)
        else:
            self.due[payment.payment_id] = payment.due_at
        self.outbox.extend(events)
        return True

    async def due_ids(self, *, now: datetime, limit: int) -> list[str]:
        due = sorted((when, payment_id) for payment_id, when in self.due.items() if when <= now)
        return [payment_id for _, payment_id in due[:limit]]


@dataclass
class FakeProvider:
    """Answers every charge with `outcome`; remembers successful charges by key for lookups, like the real one."""

    outcome: ChargeOutcome = field(default_factory=lambda: ChargeSucceeded(charge_id="ch_fake"))
    requests: list[ChargeRequest] = field(default_factory=list)
    release: asyncio.Event | None = None  # when set, each charge waits for it
    running: int = 0
    max_running: int = 0
    charges: dict[str, str] = field(default_factory=dict)  # idempotency key -> charge id
    refunds: dict[str, str] = field(default_factory=dict)  # refund idempotency key -> charge id
    lookups: int = 0

    async def charge(self, request: ChargeRequest) -> ChargeOutcome:
        self.requests.append(request)
        self.running += 1
        self.max_running = max(self.max_running, self.running)
        try:
            if self.release is not None:
                await self.release.wait()
            await asyncio.sleep(0)
            if isinstance(self.outcome, ChargeSucceeded):
                self.charges.setdefault(request.idempotency_key, self.outcome.charge_id)
            return self.outcome
        finally:
            self.running -= 1

    async def find_charge(self, idempotency_key: str) -> ChargeSucceeded | None:
        self.lookups += 1
        charge_id = self.charges.get(idempotency_key)
        return ChargeSucceeded(charge_id=charge_id) if charge_id else None

    async def refund(self, charge_id: str, *, idempotency_key: str) -> str:
        self.refunds.setdefault(idempotency_key, charge_id)
        return f"re_{idempotency_key}"


@dataclass
class FakeRelay:
    published: list[EventEnvelope[Any]] = field(default_factory=list)
    fail_loop: bool = False

    async def publish_committed(self, envelopes: Sequence[EventEnvelope[Any]]) -> None:
        self.published.extend(envelopes)

    async def run(self, stop: asyncio.Event) -> None:
        if self.fail_loop:
            raise RuntimeError("relay loop died")
        await stop.wait()


@dataclass
class FakeKeySource:
    """The secret's AWSCURRENT (`key`) and AWSPREVIOUS (`previous`) values, and when the current version was
    created (`rotated_at`); `rotate` does what put_secret_value does."""

    key: str = API_KEY
    previous: str | None = None
    rotated_at: datetime | None = None
    reads: int = 0

    async def read(self) -> ApiKeys:
        self.reads += 1
        return ApiKeys(current=self.key, previous=self.previous, rotated_at=self.rotated_at)

    def rotate(self, new_key: str, *, at: datetime) -> None:
        self.key, self.previous, self.rotated_at = new_key, self.key, at


@dataclass
class PaymentHarness:
    """The app on fakes, its lifespan running, and an HTTP client bound to it."""

    client: httpx.AsyncClient
    repository: InMemoryPaymentRepository
    provider: FakeProvider
    relay: FakeRelay
    keys: FakeKeySource
    dependencies: PaymentContainer
    app: FastAPI  # for a client of its own (one that answers 500s instead of raising the app's exceptions)


def payment_settings(**overrides: Any) -> PaymentSettings:
    values: dict[str, Any] = {
        "event_bus_name": "bus",
        "payments_table": "payments",
        "outbox_table": "payment-outbox",
        "api_key_secret_id": "payment-events-api-key",
        "provider_url": "http://provider.invalid",
        "shutdown_grace_seconds": 2.0,
        **overrides,
    }
    return PaymentSettings(**values)


async def start_harness(
    stack: AsyncExitStack,
    *,
    repository: InMemoryPaymentRepository | None = None,
    provider: FakeProvider | None = None,
    relay: FakeRelay | None = None,
    settings: PaymentSettings | None = None,
) -> PaymentHarness:
    repository = repository or InMemoryPaymentRepository()
    provider = provider or FakeProvider()
    relay = relay or FakeRelay()
    keys = FakeKeySource()
    settings = settings or payment_settings()
    built: list[PaymentContainer] = []

    async def build(_: PaymentSettings, __: AsyncExitStack) -> PaymentContainer:
        api_keys = ApiKeyVerifier(keys, reread_interval_seconds=30.0)
        await api_keys.load()
        built.append(
            assemble(
                repository=repository,
                provider=provider,
                api_keys=api_keys,
                relay=relay,
                work=work_rules(settings, owner=WORKER),
                max_concurrent_payments=4,
                sweep_interval_seconds=settings.due_sweep_interval_seconds,
            )
        )
        return built[0]

    app = create_app(settings, build=build)
    await stack.enter_async_context(app.router.lifespan_context(app))
    client = await stack.enter_async_context(
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://payment")
    )
    return PaymentHarness(client, repository, provider, relay, keys, built[0], app)


@pytest.fixture
def api_key() -> str:
    return API_KEY


@pytest.fixture
def fakes() -> SimpleNamespace:
    """The fake classes, for tests that build their own (test modules cannot import a conftest)."""
    return SimpleNamespace(
        Repository=InMemoryPaymentRepository, Provider=FakeProvider, Relay=FakeRelay, KeySource=FakeKeySource
    )


@pytest.fixture(name="start_harness")
def start_harness_fixture() -> Callable[..., Awaitable[PaymentHarness]]:
    """`await start_harness(stack, ...)` for tests that end the app's lifespan themselves."""
    return start_harness


@pytest.fixture
def settings_factory() -> Callable[..., PaymentSettings]:
    return payment_settings


@pytest.fixture
def work() -> PaymentWork:
    """The rules handlers run under in unit tests: this worker's id and the default policy."""
    return work_rules(payment_settings(), owner=WORKER)


@pytest.fixture
async def make_harness() -> AsyncIterator[Callable[..., Awaitable[PaymentHarness]]]:
    """`await make_harness(provider=..., settings=...)`; everything started is stopped after the test."""
    async with AsyncExitStack() as stack:

        async def make(**kwargs: Any) -> PaymentHarness:
            return await start_harness(stack, **kwargs)

        yield make


@pytest.fixture
async def harness(make_harness: Callable[..., Awaitable[PaymentHarness]]) -> PaymentHarness:
    return await make_harness()
