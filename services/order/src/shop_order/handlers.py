"""Use cases of the order service: place an order, record a payment outcome."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shop_shared.clock_windows import ClockWindow
from shop_shared.composition import Clock, utc_now
from shop_shared.contracts import EventEnvelope, OrderCreated, OrderCreatedLine, new_envelope
from shop_shared.observability.tracing import annotate_order, current_traceparent

from .domain import (
    IdempotencyRecord,
    Order,
    OrderStatus,
    PaymentOutcomeAssessment,
    PlaceOrder,
    RateLimit,
    StoredResponse,
    request_fingerprint,
)
from .exceptions import (
    DependencyUnavailable,
    IdempotencyKeyReused,
    IdempotencyKeyTaken,
    OrderNotFound,
    OrderRateLimited,
)
from .ports import ContactEncryption, OrderRateLimiter, OrderRepository

__all__ = [
    "PAYMENT_OUTCOME_STATUS",
    "PlacedOrder",
    "RateLimiting",
    "Render",
    "place_order",
    "record_payment_outcome",
]

logger = logging.getLogger(__name__)

# The answer a new order gets; the entry point decides its form, the key's record keeps it for retries.
Render = Callable[[Order], StoredResponse]

DEFAULT_IDEMPOTENCY_TTL = timedelta(hours=24)
# A key whose record is deleted (TTL) between a refused write and the read is free again: one more try.
PLACE_ATTEMPTS = 2

# Event type of each payment outcome -> the order status it leads to.
PAYMENT_OUTCOME_STATUS: dict[str, OrderStatus] = {
    "payment.succeeded": OrderStatus.PAID,
    "payment.failed": OrderStatus.PAYMENT_FAILED,
}


@dataclass(frozen=True)
class PlacedOrder:
    """The answer to `POST /orders`: a new order, or the stored answer to an earlier request with the same key."""

    order_id: str
    response: StoredResponse
    replayed: bool


@dataclass(frozen=True)
class RateLimiting:
    """The per-customer order limit and the counters every order task shares."""

    counters: OrderRateLimiter
    limit: RateLimit


async def place_order(
    command: PlaceOrder,
    *,
    repository: OrderRepository,
    contact_encryption: ContactEncryption,
    render: Render,
    rate_limiting: RateLimiting,
    idempotency_key: str | None = None,
    idempotency_ttl: timedelta = DEFAULT_IDEMPOTENCY_TTL,
    correlation_id: str | None = None,
    clock: Clock = utc_now,
) -> PlacedOrder:
    """Store the order, its `order.created` event and the key's record in one transaction; the repository's unit
    of work publishes the event after the commit (if that fails, the outbox sweep sends the stored event later).

    With a key already bound to the same request, nothing is stored or published: the first answer comes back.
    `render` gives the answer for a new order, which the key's record keeps for the retries.

    The customer's order is counted first (one conditional write, before any KMS call), so a customer over the
    limit costs one write and gets OrderRateLimited. Only stored orders stay counted: the count is given back
    when the store raised (nothing stored; after an outage whose write may still have landed, at worst one order
    more than the limit gets through), and when the request turns out to be a retry (its order was counted when
    placed). A retry at the limit is answered from its key's record, never refused.
    """
    now = clock()
    # The customer whose orders are counted. The API checks it is the token's subject before the handler runs.
    customer_id = command.customer_id
    window = rate_limiting.limit.window_at(now)
    if not await rate_limiting.counters.acquire(customer_id, window, limit=rate_limiting.limit.orders):
        if idempotency_key is not None:
            earlier = await _earlier_answer(repository, idempotency_key, request_fingerprint(command), now)
            if earlier is not None:
                return earlier
        logger.info("order rate limit reached", extra={"customer_id": customer_id})
        raise OrderRateLimited(window.retry_after_seconds(now))
    try:
        placed = await _store_new_order(
            command,
            repository=repository,
            contact_encryption=contact_encryption,
            render=render,
            idempotency_key=idempotency_key,
            idempotency_ttl=idempotency_ttl,
            correlation_id=correlation_id,
            now=now,
        )
    except Exception:
        await _give_back(rate_limiting, customer_id, window)
        raise
    if placed.replayed:
        await _give_back(rate_limiting, customer_id, window)
    return placed


async def _give_back(rate_limiting: RateLimiting, customer_id: str, window: ClockWindow) -> None:
    try:
        await rate_limiting.counters.release(customer_id, window)
    except Exception:
        # The request's own outcome matters more; the slot stays taken until the window ends.
        logger.warning("could not give back a rate limit slot", exc_info=True, extra={"customer_id": customer_id})


async def _store_new_order(
    command: PlaceOrder,
    *,
    repository: OrderRepository,
    contact_encryption: ContactEncryption,
    render: Render,
    idempotency_key: str | None,
    idempotency_ttl: timedelta,
    correlation_id: str | None,
    now: datetime,
) -> PlacedOrder:
    ciphertext = await contact_encryption.encrypt(command.contact, customer_id=command.customer_id)
    event_id = uuid.uuid4()
    order = Order.place(
        command, order_id=str(uuid.uuid4()), created_event_id=event_id, contact_ciphertext=ciphertext, at=now
    )
    annotate_order(order.order_id)
    envelope = new_envelope(
        order_created(order, command.payment_token),
        correlation_id=correlation_id or order.order_id,
        event_id=event_id,
        traceparent=current_traceparent(),
    )
    response = render(order)
    request_hash = request_fingerprint(command)
    record = None
    if idempotency_key is not None:
        record = IdempotencyRecord.bind(
            idempotency_key,
            request_hash=request_hash,
            order_id=order.order_id,
            response=response,
            at=now,
            ttl=idempotency_ttl,
        )
    for _ in range(PLACE_ATTEMPTS):
        try:
            await repository.add(order, [envelope], idempotency=record)
        except IdempotencyKeyTaken as taken:
            earlier = await _earlier_answer(repository, taken.key, request_hash, now)
            if earlier is not None:
                return earlier
            continue  # TTL deleted the record between our write and our read: the key is free again
        logger.info(
            "order placed",
            extra={"order_id": order.order_id, "event_id": str(envelope.metadata.event_id), "lines": len(order.items)},
        )
        return PlacedOrder(order_id=order.order_id, response=response, replayed=False)
    # The key keeps being taken and freed under us; nothing was stored, so a later retry is safe.
    raise DependencyUnavailable("DynamoDB")


async def _earlier_answer(
    repository: OrderRepository, key: str, request_hash: str, now: datetime
) -> PlacedOrder | None:
    """The stored answer for a retry of the same request; refuses another request under the same key.

    Judged at the request's time `now`, like the write's condition: a record that refused the write is
    live then, so None only means it has been deleted since.
    """
    record = await repository.get_idempotency_record(key)
    if record is None or record.is_expired(now):
        return None
    if not record.replays(request_hash):
        logger.info("idempotency key reused with another request", extra={"order_id": record.order_id})
        raise IdempotencyKeyReused(key)
    logger.info("idempotent retry answered from its record", extra={"order_id": record.order_id})
    return PlacedOrder(order_id=record.order_id, response=record.response, replayed=True)


def order_created(order: Order, payment_token: str) -> OrderCreated:
    return OrderCreated(
        order_id=order.order_id,
        customer_id=order.customer_id,
        currency=order.currency,
        total=order.total,
        items=tuple(
            OrderCreatedLine(sku=line.sku, quantity=line.quantity, unit_price=line.unit_price) for line in order.items
        ),
        payment_token=payment_token,
        contact_ciphertext=order.contact_ciphertext,
    )


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
