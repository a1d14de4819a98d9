"""The pending sweep: deferred payments (circuit open) and payments whose outcome write failed are tried
again while the service runs, not only at the next start; young or in-flight payments are left alone."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

from shop_payment import handlers
from shop_payment.domain import ChargeOutcome, ChargeRequest, ChargeSucceeded, PaymentStatus
from shop_payment.ports import ChargeDeferred
from shop_payment.processing import PaymentProcessor
from shop_shared.contracts import EventEnvelope, OrderCreated

OrderCreatedFactory = Callable[..., EventEnvelope[OrderCreated]]
EventFactory = Callable[[EventEnvelope[Any]], dict[str, Any]]
MakeHarness = Callable[..., Awaitable[Any]]
FAST_SWEEP = {"pending_sweep_interval_seconds": 0.05, "pending_min_age_seconds": 0.0}


async def _until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():  # noqa: ASYNC110  (polls state the fakes expose, with a deadline)
            await asyncio.sleep(0.01)


@dataclass
class DownProvider:
    """Refuses like an open circuit while `down`; charges once it is up again."""

    down: bool = True
    deferred: int = 0
    charged: list[ChargeRequest] | None = None

    async def charge(self, request: ChargeRequest) -> ChargeOutcome:
        if self.down:
            self.deferred += 1
            raise ChargeDeferred("the payment provider's circuit is open")
        self.charged = [*(self.charged or []), request]
        return ChargeSucceeded(charge_id="ch_after_outage")


async def test_a_deferred_charge_leaves_the_payment_pending_and_publishes_nothing(
    fakes: Any, order_created: OrderCreatedFactory
) -> None:
    repository, relay, provider = fakes.Repository(), fakes.Relay(), DownProvider()
    envelope = order_created()
    accepted = await handlers.accept_order_created(envelope, repository)

    result = await handlers.process_payment(
        accepted.payment.payment_id, repository=repository, provider=provider, relay=relay
    )

    assert result is not None and result.status is PaymentStatus.PENDING
    assert repository.payments[accepted.payment.payment_id].status is PaymentStatus.PENDING
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
    assert [r.idempotency_key for r in provider.charged or []] == [payment_id]


async def test_a_failed_outcome_write_is_retried_by_the_sweep_without_a_restart(
    make_harness: MakeHarness,
    fakes: Any,
    settings_factory: Any,
    api_key: str,
    order_created: OrderCreatedFactory,
    eventbridge_event: EventFactory,
) -> None:
    class RepositoryFailingOnce(fakes.Repository):  # type: ignore[misc,name-defined]
        failures = 1

        async def record_outcome(self, settled: Any, envelope: Any) -> bool:
            if self.failures:
                self.failures -= 1
                raise ConnectionError("dynamodb unavailable")
            result: bool = await super().record_outcome(settled, envelope)
            return result

    harness = await make_harness(repository=RepositoryFailingOnce(), settings=settings_factory(**FAST_SWEEP))
    response = await harness.client.post(
        "/events", json=eventbridge_event(order_created()), headers={"x-api-key": api_key}
    )
    payment_id = response.json()["payment_id"]

    await _until(lambda: len(harness.relay.published) == 1)

    assert harness.repository.payments[payment_id].status is PaymentStatus.SUCCEEDED
    # The provider was asked twice with one idempotency key: the real provider replays the first charge.
    assert [r.idempotency_key for r in harness.provider.requests] == [payment_id, payment_id]


async def test_the_first_pass_takes_everything_later_ones_only_old_enough_payments() -> None:
    asked: list[float] = []

    async def list_pending(older_than_seconds: float) -> list[str]:
        asked.append(older_than_seconds)
        return []

    async def process(_: str) -> object:
        return None

    processor = PaymentProcessor(
        process, list_pending, max_concurrent=1, sweep_interval_seconds=0.01, min_pending_age_seconds=42.0
    )
    stop = asyncio.Event()
    sweep = asyncio.create_task(processor.run(stop))
    await _until(lambda: len(asked) >= 3)
    stop.set()
    await asyncio.wait_for(sweep, timeout=1.0)

    assert asked[0] == 0.0 and set(asked[1:]) == {42.0}


async def test_a_payment_still_in_flight_is_not_submitted_again() -> None:
    release = asyncio.Event()
    started: list[str] = []

    async def slow_process(payment_id: str) -> object:
        started.append(payment_id)
        await release.wait()
        return None

    async def list_pending(_: float) -> list[str]:
        return ["pay-1"]

    processor = PaymentProcessor(slow_process, list_pending, max_concurrent=4, sweep_interval_seconds=0.01)
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

    async def flaky_list(_: float) -> list[str]:
        nonlocal calls
        calls += 1
        if calls <= 2:
            raise ConnectionError("dynamodb unavailable")
        return ["pay-1"]

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
    listed: list[float] = []
    original = repository.pending_ids

    async def recording(older_than_seconds: float = 0.0) -> list[str]:
        listed.append(older_than_seconds)
        return await original(older_than_seconds)

    repository.pending_ids = recording
    async with AsyncExitStack() as stack:
        harness = await start_harness(stack, repository=repository, settings=settings_factory(**FAST_SWEEP))
        await _until(lambda: len(listed) >= 2)
        assert (await harness.client.get("/health")).json() == {"status": "ok"}
    passes = len(listed)
    await asyncio.sleep(0.2)

    assert len(listed) == passes, "no pass after the shutdown"
