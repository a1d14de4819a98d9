"""One plain async function per thing the payment service does; dependencies come in as arguments.

`process_payment` runs the next step of one payment's state machine (domain/model.py) while holding its
lease: charge it (PENDING), reconcile it (UNKNOWN), or audit it for a late charge (FAILED after UNKNOWN).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shop_shared.contracts import EventEnvelope, IntegrationEvent, OrderCreated, new_envelope
from shop_shared.observability.tracing import ORDER_ID, current_traceparent, traced

from .domain import (
    UNSETTLED,
    ChargeAmbiguous,
    ChargeOutcome,
    Payment,
    PaymentStatus,
    RetryPolicy,
    outcome_event_id,
    refund_event_id,
    refund_idempotency_key,
)
from .exceptions import ChargeDeferred, ProviderCallFailed, UnsupportedEvent
from .metrics import PaymentMetrics
from .ports import EventRelay, PaymentProvider, PaymentRepository

__all__ = ["Accepted", "PaymentSteps", "PaymentWork", "accept_order_created", "process_payment"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Accepted:
    payment: Payment
    duplicate: bool


@dataclass(frozen=True)
class PaymentWork:
    """Who works on payments here and under which rules."""

    owner: str  # this worker's lease owner id (host:pid:random)
    lease_seconds: float
    # Every provider call of one step ends this long before the lease does, so no other worker can take the
    # payment over while a call of ours is still out.
    step_timeout_seconds: float
    policy: RetryPolicy


async def accept_order_created(
    envelope: EventEnvelope[Any], repository: PaymentRepository, work: PaymentWork
) -> Accepted:
    """Record the payment to make, once per event id, leased to this worker, which charges it next."""
    if not isinstance(envelope.data, OrderCreated):
        raise UnsupportedEvent(envelope.metadata.event_type)
    metadata = envelope.metadata
    payment = Payment.accept(
        envelope.data,
        event_id=metadata.event_id,
        correlation_id=metadata.correlation_id,
        traceparent=current_traceparent(),  # the steps run later, maybe elsewhere: they continue this trace
    )
    log_context = {"payment_id": payment.payment_id, "order_id": payment.order_id, "event_id": str(metadata.event_id)}
    if await repository.add(payment, owner=work.owner, lease_seconds=work.lease_seconds):
        logger.info("payment accepted", extra=log_context)
        return Accepted(payment, duplicate=False)
    logger.info("duplicate order.created; payment already accepted", extra=log_context)
    return Accepted(await repository.get(payment.payment_id) or payment, duplicate=True)


async def process_payment(
    payment_id: str,
    *,
    repository: PaymentRepository,
    provider: PaymentProvider,
    relay: EventRelay,
    work: PaymentWork,
    metrics: PaymentMetrics | None = None,
) -> Payment | None:
    """Claim the payment and run its next step; a no-op when nothing is due or another worker holds it."""
    steps = PaymentSteps(repository, provider, relay, work, metrics or PaymentMetrics())
    return await steps.run(payment_id)


@dataclass(frozen=True)
class PaymentSteps:
    """The steps of the state machine, each ending in one write (and its event) made under the lease."""

    repository: PaymentRepository
    provider: PaymentProvider
    relay: EventRelay
    work: PaymentWork
    metrics: PaymentMetrics

    async def run(self, payment_id: str) -> Payment | None:
        now = datetime.now(UTC)
        payment = await self.repository.claim(
            payment_id, owner=self.work.owner, lease_seconds=self.work.lease_seconds, now=now
        )
        if payment is None:
            return await self.repository.get(payment_id)
        attributes: dict[str, str | int] = {
            ORDER_ID: payment.order_id,
            "shop.payment_id": payment_id,
            "shop.payment.attempts": payment.attempts,
        }
        with traced(f"payment step {payment.status.value.lower()}", attributes=attributes, parent=payment.traceparent):
            return await self._next_step(payment, now)

    async def _next_step(self, payment: Payment, now: datetime) -> Payment | None:
        if payment.audit_due:
            return await self._audit_late_charge(payment)
        if payment.status is PaymentStatus.UNKNOWN:
            return await self._reconcile(payment)
        if payment.status is PaymentStatus.PENDING:
            if payment.past_give_up(self.work.policy, now):
                return await self._give_up(payment)
            return await self._charge(payment)
        # Settled with nothing due: only the lease needs releasing.
        await self.repository.save(payment, owner=self.work.owner)
        return payment

    async def _charge(self, payment: Payment) -> Payment | None:
        try:
            async with asyncio.timeout(self.work.step_timeout_seconds):
                outcome: ChargeOutcome = await self.provider.charge(payment.charge_request())
        except ChargeDeferred as deferred:
            logger.info("payment deferred", extra={**_context(payment), "reason": str(deferred)})
            return await self._try_later(payment)
        except TimeoutError:
            # Cut off with a request possibly out: as ambiguous as a lost answer.
            outcome = ChargeAmbiguous(detail="the charge outlived its step timeout")
        now = datetime.now(UTC)
        if isinstance(outcome, ChargeAmbiguous):
            logger.warning(
                "charge outcome unknown; it will be looked up", extra={**_context(payment), "detail": outcome.detail}
            )
            await self.metrics.count("ChargeOutcomeUnknown")
            return await self._save(payment.unknown(self.work.policy, now=now))
        return await self._save(*payment.settle(outcome, now=now), outcome_event_id(payment.payment_id))

    async def _reconcile(self, payment: Payment) -> Payment | None:
        """Ask the provider whether the charge exists; if not, charge again with the same key (safe: the
        provider replays or makes the one charge), or give up once the horizon has passed."""
        try:
            async with asyncio.timeout(self.work.step_timeout_seconds):
                found = await self.provider.find_charge(payment.payment_id)
        except (ProviderCallFailed, TimeoutError) as error:
            logger.info("charge lookup failed; trying again later", extra={**_context(payment), "reason": repr(error)})
            return await self._try_later(payment)
        now = datetime.now(UTC)
        if found is not None:
            logger.info("charge found by lookup", extra={**_context(payment), "charge_id": found.charge_id})
            await self.metrics.count("ChargeReconciled")
            return await self._save(*payment.settle(found, now=now), outcome_event_id(payment.payment_id))
        if payment.past_give_up(self.work.policy, now):
            return await self._give_up(payment)
        return await self._charge(payment)

    async def _give_up(self, payment: Payment) -> Payment | None:
        failed, fact = payment.give_up(self.work.policy, now=datetime.now(UTC))
        logger.warning(
            "payment given up: no charge at the provider", extra={**_context(payment), "audit_at": str(failed.due_at)}
        )
        await self.metrics.count("PaymentGivenUp")
        return await self._save(failed, fact, outcome_event_id(payment.payment_id))

    async def _audit_late_charge(self, payment: Payment) -> Payment | None:
        """A payment reported failed after an ambiguous answer: if the charge landed after all, give it back."""
        try:
            async with asyncio.timeout(self.work.step_timeout_seconds):
                found = await self.provider.find_charge(payment.payment_id)
                refund_id = (
                    await self.provider.refund(
                        found.charge_id, idempotency_key=refund_idempotency_key(payment.payment_id)
                    )
                    if found is not None
                    else None
                )
        except (ProviderCallFailed, TimeoutError) as error:
            logger.info(
                "late-charge audit failed; trying again later", extra={**_context(payment), "reason": repr(error)}
            )
            return await self._try_later(payment)
        now = datetime.now(UTC)
        if found is None or refund_id is None:
            return await self._save(payment.audit_found_nothing(now=now))
        # Money taken for an order we told everyone had failed: given back, and an operator must know.
        logger.error(
            "late charge found on a failed payment; refunded",
            extra={**_context(payment), "charge_id": found.charge_id, "refund_id": refund_id},
        )
        await self.metrics.count("LateChargeRefunded")
        refunded, fact = payment.refunded(found.charge_id, refund_id, now=now)
        return await self._save(refunded, fact, refund_event_id(payment.payment_id))

    async def _try_later(self, payment: Payment) -> Payment | None:
        """Nothing learned this time (circuit open, lookup failed): same status, next step after a backoff."""
        return await self._save(payment.retry_later(self.work.policy, now=datetime.now(UTC)))

    async def _save(
        self, payment: Payment, fact: IntegrationEvent | None = None, event_id: uuid.UUID | None = None
    ) -> Payment | None:
        """Write the step's result (and its event, through the outbox) while still holding the lease."""
        envelopes: list[EventEnvelope[Any]] = []
        if fact is not None:
            envelopes.append(
                new_envelope(
                    fact,
                    correlation_id=payment.correlation_id,
                    causation_id=payment.event_id,
                    event_id=event_id,
                    traceparent=current_traceparent(),
                )
            )
        if not await self.repository.save(payment, owner=self.work.owner, events=envelopes):
            # Our lease expired and another worker took over; it redoes this step with the same idempotency key.
            logger.warning("payment lease lost; the step's result is dropped", extra=_context(payment))
            return await self.repository.get(payment.payment_id)
        logger.info(
            "payment step recorded" if payment.status in UNSETTLED else "payment settled",
            extra={**_context(payment), "status": payment.status.value, "reason_code": payment.reason_code},
        )
        if envelopes:
            await self.relay.publish_committed(envelopes)
        return payment


def _context(payment: Payment) -> dict[str, Any]:
    return {"payment_id": payment.payment_id, "order_id": payment.order_id}
