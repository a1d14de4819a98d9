"""Use cases of the order service: place an order, record a payment outcome."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from shop_shared.contracts import EventEnvelope, OrderCreated, OrderCreatedLine, new_envelope

from .domain import Order, OrderStatus, PaymentOutcomeAssessment, PlaceOrder
from .exceptions import OrderNotFound
from .ports import CommittedEventPublisher, ContactEncryption, OrderRepository

__all__ = ["PAYMENT_OUTCOME_STATUS", "place_order", "record_payment_outcome"]

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]

# Event type of each payment outcome -> the order status it leads to.
PAYMENT_OUTCOME_STATUS: dict[str, OrderStatus] = {
    "payment.succeeded": OrderStatus.PAID,
    "payment.failed": OrderStatus.PAYMENT_FAILED,
}


def utc_now() -> datetime:
    return datetime.now(UTC)


async def place_order(
    command: PlaceOrder,
    *,
    repository: OrderRepository,
    contact_encryption: ContactEncryption,
    publisher: CommittedEventPublisher,
    correlation_id: str | None = None,
    clock: Clock = utc_now,
) -> Order:
    """Store the order and its `order.created` event in one transaction, then publish the event."""
    order_id = str(uuid.uuid4())
    ciphertext = await contact_encryption.encrypt(command.contact, customer_id=command.customer_id)
    order = Order.place(command, order_id=order_id, contact_ciphertext=ciphertext, at=clock())
    event = OrderCreated(
        order_id=order.order_id,
        customer_id=order.customer_id,
        currency=order.currency,
        total=order.total,
        items=tuple(
            OrderCreatedLine(sku=line.sku, quantity=line.quantity, unit_price=line.unit_price) for line in order.items
        ),
        payment_token=command.payment_token,
        contact_ciphertext=ciphertext,
    )
    envelope = new_envelope(event, correlation_id=correlation_id or order.order_id)
    await repository.add(order, [envelope])
    logger.info(
        "order placed",
        extra={"order_id": order.order_id, "event_id": str(envelope.metadata.event_id), "lines": len(order.items)},
    )
    # After the commit only: if this publish fails, the outbox sweep sends the stored event later.
    await publisher.publish_committed([envelope])
    return order


async def record_payment_outcome(
    envelope: EventEnvelope[Any], *, repository: OrderRepository, clock: Clock = utc_now
) -> PaymentOutcomeAssessment:
    """Move a pending order to PAID or PAYMENT_FAILED; a redelivery or a late contrary outcome changes nothing.

    Raises OrderNotFound so the message is redelivered (and ends in the DLQ if the order never appears).
    """
    outcome = PAYMENT_OUTCOME_STATUS[envelope.metadata.event_type]
    order_id: str = envelope.data.order_id
    log_context = {"order_id": order_id, "event_id": str(envelope.metadata.event_id), "outcome": str(outcome)}
    order = await repository.get(order_id)
    if order is None:
        raise OrderNotFound(order_id)
    assessment = order.assess_payment_outcome(outcome)
    if assessment is PaymentOutcomeAssessment.APPLY:
        updated = order.record_payment_outcome(outcome, clock())
        if await repository.save_status_change(updated, expected=order.status):
            logger.info("payment outcome recorded", extra=log_context)
            return assessment
        # Another delivery settled the order between our read and our write: judge against that.
        order = await repository.get(order_id)
        if order is None:
            raise OrderNotFound(order_id)
        assessment = order.assess_payment_outcome(outcome)
        if assessment is PaymentOutcomeAssessment.APPLY:
            raise RuntimeError(f"status write for order {order_id} lost although the order still awaits payment")
    if assessment is PaymentOutcomeAssessment.CONFLICT:
        # Retrying cannot help: a settled order keeps its status. Report it for a human instead.
        logger.warning("conflicting payment outcome ignored", extra={**log_context, "status": str(order.status)})
    else:
        logger.info("payment outcome already recorded", extra=log_context)
    return assessment
