"""The due-work sweep: deferred payments (circuit open) and steps that failed to write are tried again while
the service runs; it asks only for as many payments as it has free slots and never resubmits one in flight."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

from shop_payment import handlers
from shop_payment.domain import ChargeOutcome, ChargeRequest, ChargeSucceeded, PaymentStatus
from shop_payment.exceptions import ChargeDeferred
from shop_payment.processing import PaymentProcessor
from shop_shared.contracts import EventEnvelope, OrderCreated

OrderCreatedFactory = Callable[..., EventEnvelope[OrderCreated]]
EventFactory = Callable[[EventEnvelope[Any]], dict[str, Any]]
MakeHarness = Callable[..., Awaitable[Any]]
FAST_SWEEP = {"due_sweep_interval_seconds": 0.05, "retry_backoff_initial_seconds": 0.01}


async def _until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():  # noqa: ASYNC110  (polls state the fakes expose, with a deadline)
            await asyncio.sleep(0.01)


@dataclass
class DownProvider:
    """Refuses like an open circuit while `down`; charges once it is up again."""

    down: bool = True
    deferred: int = 0
    charged: list[ChargeRequest] = field(default_factory=list)

    async def charge(self, request: ChargeRequest) -> ChargeOutcome:
        if self.down:
            self.deferred += 1
            raise ChargeDeferred("the payment provider's circuit is open")
        self.charged.append(request)
        return ChargeSucceeded(charge_id="ch_after_outage")

    async def find_charge(self, idempotency_key: str) -> ChargeSucceeded | None:
        raise AssertionError("a deferred payment never needs a lookup: nothing ambiguous was sent")

    async def refund(self, charge_id: str, *, idempotency_key: str) -> str:
        raise AssertionError("nothing to refund")


async def test_a_deferred_charge_keeps_the_payment_pending_due_later_and_publishes_nothing(
    fakes: Any, work: Any, order_created: OrderCreatedFactory
) -> None:
    repository, relay, provider = fakes.Repository(), fakes.Relay(), DownProvider()
    accepted = await handlers.accept_order_created(order_created(), repository, work)

    result = await handlers.process_payment(
        accepted.payment.payment_id, repository=repository, provider=provider, relay=relay, work=work
    )

    assert result is not None and result.status is PaymentStatus.PENDING
    assert result.attempts == 1 and result.due_at is not None and result.due_at > result.created_at
    assert accepted.payment.payment_id not in repository.leases, "the lease is released with the step"
    assert relay.published == [] and repository.outbox == []


async def test_a_payment_deferred_while_the_provider_is_down_is_charged_by_the_sweep(
    make_harness: MakeHarness,
    settings_factory: Any,
    api_key: str,
    order_created: OrderCreatedFactory,
    eventbridge_event: EventFactory,
) -> None:
    provider = DownProvider()
    harness = await make_harness(provider=provider, settings=settings_factory(**FAST_SWEEP))
    response = await harness.client.post(
        "/events", json=eventbridge_event(order_created()), headers={"x-api-key": api_key}
    )
    payment_id = response.json()["payment_id"]
    await _until(lambda: provider.deferred >= 2)  # the first try, then at least one sweep
    assert harness.repository.payments[payment_id].status is PaymentStatus.PENDING
    assert harness.relay.published == []

    provider.down = False
    await _until(lambda: len(harness.relay.published) == 1)

    assert harness.repository.payments[payment_id].status is PaymentStatus.SUCCEEDED
    assert [r.idempotency_key for r in provider.charged] == [payment_id]


async def test_a_failed_step_write_is_retried_by_the_sweep_once_its_lease_expires(
    make_harness: MakeHarness,
    fakes: Any,
    settings_factory: Any,
    api_key: str,
    order_created: OrderCreatedFactory,
    eventbridge_event: EventFactory,
) -> None:
    class RepositoryFailingOnce(fakes.Repository):  # type: ignore[misc,name-defined]
        failures = 1

        async def save(self, payment: Any, *, owner: str, events: Any = ()) -> bool:
            if self.failures:
                self.failures -= 1
                raise ConnectionError("dynamodb unavailable")
            result: bool = await super().save(payment, owner=owner, events=events)
            return result

    settings = settings_factory(**FAST_SWEEP, lease_seconds=13.0, lease_safety_margin_seconds=1.0)
    harness = await make_harness(repository=RepositoryFailingOnce(), settings=settings)
    response = await harness.client.post(
        "/events", json=eventbridge_event(order_created()), headers={"x-api-key": api_key}
    )
    payment_id = response.json()["payment_id"]
    await _until(lambda: harness.repository.failures == 0)
    assert harness.relay.published == []
    # The lease of the worker whose write failed runs out (instead of waiting 13 s, move its expiry back).
    harness.repository.due[payment_id] = harness.repository.payments[payment_id].created_at

    await _until(lambda: len(harness.relay.published) == 1)

    assert harness.repository.payments[payment_id].status is PaymentStatus.SUCCEEDED
    # The provider was asked twice with one idempotency key: the real provider replays the first charge.
    assert [r.idempotency_key for r in harness.provider.requests] == [payment_id, payment_id]


async def test_the_sweep_asks_for_no_more_payments_than_it_has_free_slots() -> None:
    asked: list[int] = []
    release = asyncio.Event()

    async def list_due(limit: int) -> list[str]:
        asked.append(limit)
        return [f"pay-{len(asked)}-{n}" for n in range(limit)]

    async def slow_process(_: str) -> object:
        await release.wait()
        return None

    processor = PaymentProcessor(slow_process, list_due, max_concurrent=3, sweep_interval_seconds=0.01)
    stop = asyncio.Event()
    sweep = asyncio.create_task(processor.run(stop))
    await _until(lambda: processor.in_flight == 3)
    await asyncio.sleep(0.05)  # all slots busy: no more listing
    stop.set()
    await asyncio.wait_for(sweep, timeout=1.0)
    release.set()
    await processor.join()

    assert asked == [3]


async def test_a_payment_still_in_flight_is_not_submitted_again() -> None:
    release = asyncio.Event()
    started: list[str] = []

    async def slow_process(payment_id: str) -> object:
        started.append(payment_id)
        await release.wait()
        return None

    async def list_due(_: int) -> list[str]:
        return ["pay-1"]

    processor = PaymentProcessor(slow_process, list_due, max_concurrent=4, sweep_interval_seconds=0.01)
    stop = asyncio.Event()
    sweep = asyncio.create_task(processor.run(stop))
    await asyncio.sleep(0.1)  # about ten passes
    stop.set()
    await asyncio.wait_for(sweep, timeout=1.0)
    release.set()
    await processor.join()

    assert started == ["pay-1"]


async def test_the_sweep_survives_listing_failures() -> None:
    calls = 0
    processed: list[str] = []

    async def flaky_list(_: int) -> list[str]:
        nonlocal calls
        calls += 1
        if calls <= 2:
            raise ConnectionError("dynamodb unavailable")
        return [] if processed else ["pay-1"]

    async def process(payment_id: str) -> object:
        processed.append(payment_id)
        return None

    processor = PaymentProcessor(process, flaky_list, max_concurrent=1, sweep_interval_seconds=0.02)
    stop = asyncio.Event()
    sweep = asyncio.create_task(processor.run(stop))
    await _until(lambda: processed == ["pay-1"])

    assert not sweep.done(), "the loop goes on after failures"
    stop.set()
    await asyncio.wait_for(sweep, timeout=1.0)


async def test_the_sweep_is_a_loop_of_the_service_and_stops_with_it(
    start_harness: Any, fakes: Any, settings_factory: Any
) -> None:
    repository = fakes.Repository()
    listed: list[int] = []
    original = repository.due_ids

    async def recording(*, now: Any, limit: int) -> list[str]:
        listed.append(limit)
        return await original(now=now, limit=limit)

    repository.due_ids = recording
    async with AsyncExitStack() as stack:
        harness = await start_harness(stack, repository=repository, settings=settings_factory(**FAST_SWEEP))
        await _until(lambda: len(listed) >= 2)
        assert (await harness.client.get("/health")).json() == {"status": "ok"}
    passes = len(listed)
    await asyncio.sleep(0.2)

    assert len(listed) == passes, "no pass after the shutdown"
