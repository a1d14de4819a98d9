"""One plain async function per thing the payment service does; dependencies come in as arguments."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from shop_shared.contracts import EventEnvelope, OrderCreated, new_envelope

from .domain import Payment, PaymentStatus, outcome_event_id
from .ports import ChargeDeferred, EventRelay, PaymentProvider, PaymentRepository

__all__ = ["Accepted", "UnsupportedEvent", "accept_order_created", "process_payment"]

logger = logging.getLogger(__name__)


class UnsupportedEvent(Exception):
    """A valid event of a type payment does not handle."""


@dataclass(frozen=True)
class Accepted:
    payment: Payment
    duplicate: bool


async def accept_order_created(envelope: EventEnvelope[Any], repository: PaymentRepository) -> Accepted:
    """Record the payment to make, once per event id; charging happens later, in the background."""
    if not isinstance(envelope.data, OrderCreated):
        raise UnsupportedEvent(envelope.metadata.event_type)
    metadata = envelope.metadata
    payment = Payment.accept(envelope.data, event_id=metadata.event_id, correlation_id=metadata.correlation_id)
    log_context = {"payment_id": payment.payment_id, "order_id": payment.order_id, "event_id": str(metadata.event_id)}
    if await repository.add(payment):
        logger.info("payment accepted", extra=log_context)
        return Accepted(payment, duplicate=False)
    logger.info("duplicate order.created; payment already accepted", extra=log_context)
    return Accepted(await repository.get(payment.payment_id) or payment, duplicate=True)


async def process_payment(
    payment_id: str, *, repository: PaymentRepository, provider: PaymentProvider, relay: EventRelay
) -> Payment | None:
    """Charge a PENDING payment and settle it together with its event; a no-op for a settled one, and for
    one the provider cannot take now (circuit open): that stays PENDING for the pending sweep."""
    payment = await repository.get(payment_id)
    if payment is None or payment.status is not PaymentStatus.PENDING:
        return payment
    try:
        outcome = await provider.charge(payment.charge_request())
    except ChargeDeferred as deferred:
        logger.info(
            "payment deferred; it stays PENDING",
            extra={"payment_id": payment_id, "order_id": payment.order_id, "reason": str(deferred)},
        )
        return payment
    settled, fact = payment.settle(outcome)
    envelope = new_envelope(
        fact,
        correlation_id=payment.correlation_id,
        causation_id=payment.event_id,
        event_id=outcome_event_id(payment.payment_id),
    )
    log_context = {"payment_id": payment_id, "order_id": payment.order_id, "status": settled.status.value}
    if not await repository.record_outcome(settled, envelope):
        # Another worker (a resumed run, another task) settled it first with the same provider result.
        logger.info("payment settled concurrently; nothing to do", extra=log_context)
        return await repository.get(payment_id)
    logger.info("payment settled", extra={**log_context, "reason_code": settled.reason_code})
    await relay.publish_committed([envelope])
    return settled
