"""The payment-outcome consumer: SQS messages of payment.succeeded / payment.failed -> record_payment_outcome."""

from __future__ import annotations

from typing import Any, Unpack

from shop_shared.contracts import EventEnvelope
from shop_shared.messaging import ConsumerOptions, EventHandler, SqsEventConsumer

from shop_order.handlers import PAYMENT_OUTCOME_STATUS, record_payment_outcome
from shop_order.ports import OrderRepository

__all__ = ["build_payment_outcome_consumer", "payment_outcome_handlers"]


def payment_outcome_handlers(repository: OrderRepository) -> dict[str, EventHandler]:
    async def handle(envelope: EventEnvelope[Any]) -> None:
        await record_payment_outcome(envelope, repository=repository)

    return dict.fromkeys(PAYMENT_OUTCOME_STATUS, handle)


def build_payment_outcome_consumer(
    sqs_client: Any, queue_url: str, repository: OrderRepository, **options: Unpack[ConsumerOptions]
) -> SqsEventConsumer:
    return SqsEventConsumer(sqs_client, queue_url, payment_outcome_handlers(repository), **options)
