"""The payment-outcome consumer's routing: payment.succeeded / payment.failed -> record_payment_outcome."""

from __future__ import annotations

from typing import Any

from shop_shared.composition import Clock, utc_now
from shop_shared.contracts import EventEnvelope
from shop_shared.messaging import EventHandler

from shop_order.handlers import PAYMENT_OUTCOME_STATUS, record_payment_outcome
from shop_order.ports import OrderRepository

__all__ = ["payment_outcome_handlers"]


def payment_outcome_handlers(repository: OrderRepository, *, clock: Clock = utc_now) -> dict[str, EventHandler]:
    """The one place that maps each payment outcome's event type to its handler."""

    async def handle(envelope: EventEnvelope[Any]) -> None:
        await record_payment_outcome(envelope, repository=repository, clock=clock)

    return dict.fromkeys(PAYMENT_OUTCOME_STATUS, handle)
