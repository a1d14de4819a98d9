"""Background processing: resume what a previous run left, bounded concurrency, shutdown, lost leases, health."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

from shop_payment import handlers
from shop_payment.domain import ChargeSucceeded, Payment, PaymentStatus
from shop_payment.processing import PaymentProcessor
from shop_shared.contracts import EventEnvelope, OrderCreated

OrderCreatedFactory = Callable[..., EventEnvelope[OrderCreated]]
MakeHarness = Callable[..., Awaitable[Any]]


def _pending(order_created: OrderCreatedFactory) -> Payment:
    envelope = order_created()
    return Payment.accept(
        envelope.data, event_id=envelope.metadata.event_id, correlation_id=envelope.metadata.correlation_id
    )


async def _until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():  # noqa: ASYNC110  (polls state the fakes expose, with a deadline)
            await asyncio.sleep(0.01)


async def test_payments_a_previous_run_left_due_are_resumed_at_startup(
    make_harness: MakeHarness, fakes: Any, order_created: OrderCreatedFactory
) -> None:
    repository = fakes.Repository()
    left_over = [_pending(order_created) for _ in range(3)]
    for payment in left_over:
        repository.seed(payment)

    harness = await make_harness(repository=repository)
    await _until(lambda: len(harness.relay.published) == 3)
    await harness.dependencies.processor.join()

    assert {p.status for p in repository.payments.values()} == {PaymentStatus.SUCCEEDED}
    assert sorted(r.idempotency_key for r in harness.provider.requests) == sorted(p.payment_id for p in left_over)


async def test_processing_a_settled_payment_charges_nothing(
    fakes: Any, work: Any, order_created: OrderCreatedFactory
) -> None:
    repository, provider, relay = fakes.Repository(), fakes.Provider(), fakes.Relay()
    payment = _pending(order_created)
    settled, _ = payment.settle(ChargeSucceeded(charge_id="ch_before"))
    repository.seed(settled)

    result = await handlers.process_payment(
        payment.payment_id, repository=repository, provider=provider, relay=relay, work=work
    )

    assert result == settled
    assert provider.requests == [] and relay.published == []


async def test_a_payment_leased_by_another_worker_is_left_alone(
    fakes: Any, work: Any, order_created: OrderCreatedFactory
) -> None:
    repository, provider, relay = fakes.Repository(), fakes.Provider(), fakes.Relay()
    payment = _pending(order_created)
    await repository.add(payment, owner="another-worker", lease_seconds=60)

    result = await handlers.process_payment(
        payment.payment_id, repository=repository, provider=provider, relay=relay, work=work
    )

    assert result is not None and result.status is PaymentStatus.PENDING
    assert provider.requests == [] and repository.leases[payment.payment_id] == "another-worker"


async def test_a_step_whose_lease_was_taken_over_publishes_nothing(
    fakes: Any, work: Any, order_created: OrderCreatedFactory
) -> None:
    repository, relay = fakes.Repository(), fakes.Relay()
    provider = fakes.Provider(release=asyncio.Event())
    payment = _pending(order_created)
    await repository.add(payment, owner=work.owner, lease_seconds=60)

    run = asyncio.create_task(
        handlers.process_payment(payment.payment_id, repository=repository, provider=provider, relay=relay, work=work)
    )
    await _until(lambda: provider.running == 1)
    # Meanwhile our lease expired and another worker took the payment over and settled it.
    repository.leases[payment.payment_id] = "another-worker"
    assert await repository.save(payment.settle(ChargeSucceeded(charge_id="ch_other"))[0], owner="another-worker")
    provider.release.set()
    result = await run

    assert result is not None and result.provider_reference == "ch_other"
    assert relay.published == [] and repository.outbox == []


async def test_at_most_n_charges_run_at_once(fakes: Any, work: Any, order_created: OrderCreatedFactory) -> None:
    repository, relay = fakes.Repository(), fakes.Relay()
    provider = fakes.Provider(release=asyncio.Event())

    async def process(payment_id: str) -> object:
        return await handlers.process_payment(
            payment_id, repository=repository, provider=provider, relay=relay, work=work
        )

    async def nothing_due(_: int) -> list[str]:
        return []

    processor = PaymentProcessor(process, nothing_due, max_concurrent=2)
    for _ in range(5):
        payment = _pending(order_created)
        await repository.add(payment, owner=work.owner, lease_seconds=60)
        assert processor.submit(payment.payment_id)
    assert not processor.submit(payment.payment_id), "already in flight"

    await _until(lambda: provider.running == 2)
    await asyncio.sleep(0.05)
    assert provider.running == 2 and processor.in_flight == 5
    provider.release.set()
    await processor.join()

    assert provider.max_running == 2 and len(relay.published) == 5


async def test_a_failing_step_does_not_stop_others(fakes: Any, order_created: OrderCreatedFactory) -> None:
    seen: list[str] = []

    async def process(payment_id: str) -> object:
        seen.append(payment_id)
        if payment_id == "boom":
            raise RuntimeError("dynamodb unavailable")
        return None

    async def nothing_due(_: int) -> list[str]:
        return []

    processor = PaymentProcessor(process, nothing_due, max_concurrent=2)
    processor.submit("boom")
    processor.submit("fine")
    await processor.join()

    assert sorted(seen) == ["boom", "fine"] and processor.in_flight == 0


async def test_shutdown_cancels_what_outlives_the_grace_and_it_stays_pending(
    start_harness: Any,
    fakes: Any,
    settings_factory: Any,
    api_key: str,
    order_created: OrderCreatedFactory,
    eventbridge_event: Callable[[EventEnvelope[Any]], dict[str, Any]],
) -> None:
    provider = fakes.Provider(release=asyncio.Event())  # a provider that never answers
    loop = asyncio.get_running_loop()
    async with AsyncExitStack() as stack:
        harness = await start_harness(stack, provider=provider, settings=settings_factory(shutdown_grace_seconds=0.2))
        response = await harness.client.post(
            "/events", json=eventbridge_event(order_created()), headers={"x-api-key": api_key}
        )
        await _until(lambda: provider.running == 1)
        stopping = loop.time()
    stopped_in = loop.time() - stopping

    assert stopped_in < 2.0
    payment = harness.repository.payments[response.json()["payment_id"]]
    assert payment.status is PaymentStatus.PENDING, "cut off mid-charge: left for whoever takes the lease next"
    assert harness.repository.leases[payment.payment_id] == "worker-under-test"
    assert harness.relay.published == []


async def test_health_is_ok_while_the_relay_runs(harness: Any) -> None:
    response = await harness.client.get("/health")

    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_health_is_503_when_the_relay_loop_died(make_harness: MakeHarness, fakes: Any) -> None:
    harness = await make_harness(relay=fakes.Relay(fail_loop=True))
    await asyncio.sleep(0.01)

    response = await harness.client.get("/health")

    assert response.status_code == 503
    assert response.json() == {"status": "unhealthy", "stopped_loops": ["outbox-relay"]}
