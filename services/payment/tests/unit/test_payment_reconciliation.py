"""The unknown state: only a definitive provider answer settles a payment. An ambiguous one is reconciled by
looking the charge up by its idempotency key; a payment given up after one is audited for a late charge,
which is refunded and reported, never left silently charged."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from shop_payment import handlers
from shop_payment.domain import (
    ChargeAmbiguous,
    ChargeDeclined,
    ChargeOutcome,
    ChargeRequest,
    ChargeSucceeded,
    Payment,
    PaymentStatus,
)
from shop_payment.exceptions import ProviderCallFailed
from shop_shared.contracts import EventEnvelope, OrderCreated, PaymentFailed, PaymentRefunded, PaymentSucceeded

OrderCreatedFactory = Callable[..., EventEnvelope[OrderCreated]]


@dataclass
class ScriptedProvider:
    """Answers charges from a script; `charges` is what the provider really holds, by idempotency key."""

    answers: list[ChargeOutcome | Exception] = field(default_factory=list)
    charges: dict[str, str] = field(default_factory=dict)
    lookup_fails: bool = False
    hang: bool = False
    requests: list[ChargeRequest] = field(default_factory=list)
    lookups: list[str] = field(default_factory=list)
    refunds: list[tuple[str, str]] = field(default_factory=list)

    async def charge(self, request: ChargeRequest) -> ChargeOutcome:
        self.requests.append(request)
        if self.hang:
            await asyncio.Event().wait()
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def find_charge(self, idempotency_key: str) -> ChargeSucceeded | None:
        self.lookups.append(idempotency_key)
        if self.lookup_fails:
            raise ProviderCallFailed("lookup: HTTP 503")
        charge_id = self.charges.get(idempotency_key)
        return ChargeSucceeded(charge_id=charge_id) if charge_id else None

    async def refund(self, charge_id: str, *, idempotency_key: str) -> str:
        self.refunds.append((charge_id, idempotency_key))
        return "re_1"


@pytest.fixture
def accepted(fakes: Any, order_created: OrderCreatedFactory) -> tuple[Any, Payment]:
    repository = fakes.Repository()
    envelope = order_created()
    payment = Payment.accept(
        envelope.data, event_id=envelope.metadata.event_id, correlation_id=envelope.metadata.correlation_id
    )
    repository.seed(payment)
    return repository, payment


async def _step(repository: Any, payment_id: str, provider: Any, relay: Any, work: Any) -> Payment:
    """Run the payment's next step now, whenever it is due (tests do not wait out backoffs)."""
    repository.due[payment_id] = datetime.now(UTC) - timedelta(seconds=1)
    result = await handlers.process_payment(
        payment_id, repository=repository, provider=provider, relay=relay, work=work
    )
    assert result is not None
    return result


async def test_an_ambiguous_charge_is_unknown_not_failed_and_publishes_nothing(
    accepted: Any, fakes: Any, work: Any
) -> None:
    repository, payment = accepted
    provider, relay = ScriptedProvider(answers=[ChargeAmbiguous(detail="read timeout")]), fakes.Relay()

    result = await _step(repository, payment.payment_id, provider, relay, work)

    assert result.status is PaymentStatus.UNKNOWN and result.reason_code is None
    assert result.unknown_since is not None and result.due_at is not None and result.due_at > datetime.now(UTC)
    assert relay.published == [] and repository.outbox == []


async def test_an_unknown_payment_whose_charge_the_lookup_finds_succeeds_without_charging_again(
    accepted: Any, fakes: Any, work: Any
) -> None:
    repository, payment = accepted
    provider, relay = ScriptedProvider(answers=[ChargeAmbiguous(detail="read timeout")]), fakes.Relay()
    await _step(repository, payment.payment_id, provider, relay, work)
    provider.charges[payment.payment_id] = "ch_taken_before_the_timeout"

    result = await _step(repository, payment.payment_id, provider, relay, work)

    assert result.status is PaymentStatus.SUCCEEDED and result.provider_reference == "ch_taken_before_the_timeout"
    assert provider.lookups == [payment.payment_id] and len(provider.requests) == 1
    [published] = relay.published
    assert (
        isinstance(published.data, PaymentSucceeded) and published.data.provider_reference == result.provider_reference
    )


async def test_an_unknown_payment_with_no_charge_is_charged_again_with_the_same_key(
    accepted: Any, fakes: Any, work: Any
) -> None:
    repository, payment = accepted
    provider = ScriptedProvider(answers=[ChargeAmbiguous(detail="HTTP 409"), ChargeDeclined(reason="card_declined")])
    relay = fakes.Relay()
    await _step(repository, payment.payment_id, provider, relay, work)

    result = await _step(repository, payment.payment_id, provider, relay, work)

    assert result.status is PaymentStatus.FAILED and result.reason_code == "card_declined"
    assert [r.idempotency_key for r in provider.requests] == [payment.payment_id] * 2
    [published] = relay.published
    assert isinstance(published.data, PaymentFailed) and published.data.reason_code == "card_declined"


async def test_a_failed_lookup_keeps_the_payment_unknown_and_backs_off(accepted: Any, fakes: Any, work: Any) -> None:
    repository, payment = accepted
    provider, relay = ScriptedProvider(answers=[ChargeAmbiguous(detail="HTTP 500")]), fakes.Relay()
    first = await _step(repository, payment.payment_id, provider, relay, work)
    provider.lookup_fails = True

    second = await _step(repository, payment.payment_id, provider, relay, work)

    assert second.status is PaymentStatus.UNKNOWN and second.attempts == first.attempts + 1
    assert second.due_at is not None and first.due_at is not None
    assert second.due_at - second.updated_at > first.due_at - first.updated_at, "the wait doubles"  # type: ignore[operator]
    assert relay.published == []


async def test_a_charge_cut_off_by_the_step_timeout_is_unknown(accepted: Any, fakes: Any, work: Any) -> None:
    repository, payment = accepted
    provider, relay = ScriptedProvider(hang=True), fakes.Relay()

    result = await _step(repository, payment.payment_id, provider, relay, replace(work, step_timeout_seconds=0.05))

    assert result.status is PaymentStatus.UNKNOWN and relay.published == []


async def test_an_unknown_payment_past_the_horizon_with_no_charge_fails_and_is_audited_later(
    accepted: Any, fakes: Any, work: Any
) -> None:
    repository, payment = accepted
    provider, relay = ScriptedProvider(answers=[ChargeAmbiguous(detail="read timeout")]), fakes.Relay()
    await _step(repository, payment.payment_id, provider, relay, work)
    expired = replace(work, policy=replace(work.policy, give_up_after_seconds=0.0))

    failed = await _step(repository, payment.payment_id, provider, relay, expired)

    assert failed.status is PaymentStatus.FAILED and failed.reason_code == "provider_unavailable"
    assert failed.audit_due and failed.due_at is not None and failed.due_at > datetime.now(UTC)
    assert len(provider.requests) == 1, "given up after the lookup, not charged again"
    [published] = relay.published
    assert isinstance(published.data, PaymentFailed) and published.data.reason_code == "provider_unavailable"


async def test_a_late_charge_found_by_the_audit_is_refunded_and_reported(accepted: Any, fakes: Any, work: Any) -> None:
    repository, payment = accepted
    provider, relay = ScriptedProvider(answers=[ChargeAmbiguous(detail="read timeout")]), fakes.Relay()
    expired = replace(work, policy=replace(work.policy, give_up_after_seconds=0.0))
    await _step(repository, payment.payment_id, provider, relay, expired)  # UNKNOWN
    await _step(repository, payment.payment_id, provider, relay, expired)  # FAILED, audit due
    provider.charges[payment.payment_id] = "ch_landed_late"

    refunded = await _step(repository, payment.payment_id, provider, relay, expired)

    assert refunded.status is PaymentStatus.REFUNDED and refunded.due_at is None
    assert (refunded.provider_reference, refunded.refund_reference) == ("ch_landed_late", "re_1")
    assert provider.refunds == [("ch_landed_late", f"refund-{payment.payment_id}")]
    assert [type(e.data) for e in relay.published] == [PaymentFailed, PaymentRefunded]
    assert payment.payment_id not in repository.due, "nothing left to do"


async def test_an_audit_that_finds_no_charge_ends_the_payments_work(accepted: Any, fakes: Any, work: Any) -> None:
    repository, payment = accepted
    provider, relay = ScriptedProvider(answers=[ChargeAmbiguous(detail="read timeout")]), fakes.Relay()
    expired = replace(work, policy=replace(work.policy, give_up_after_seconds=0.0))
    await _step(repository, payment.payment_id, provider, relay, expired)
    await _step(repository, payment.payment_id, provider, relay, expired)

    audited = await _step(repository, payment.payment_id, provider, relay, expired)

    assert audited.status is PaymentStatus.FAILED and audited.due_at is None and provider.refunds == []
    assert payment.payment_id not in repository.due


async def test_a_payment_that_never_reached_the_provider_fails_without_an_audit_past_the_horizon(
    accepted: Any, fakes: Any, work: Any
) -> None:
    repository, payment = accepted
    provider, relay = ScriptedProvider(), fakes.Relay()
    expired = replace(work, policy=replace(work.policy, give_up_after_seconds=0.0))

    failed = await _step(repository, payment.payment_id, provider, relay, expired)

    assert failed.status is PaymentStatus.FAILED and failed.reason_code == "provider_unavailable"
    assert failed.due_at is None and provider.requests == [] and provider.lookups == []
