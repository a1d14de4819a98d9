"""The SQS worker: order and payment events from the loyalty queue, each handed to its handler by event type."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Unpack

from shop_shared.contracts import EventEnvelope
from shop_shared.messaging import ConsumerOptions, EventHandler, SqsEventConsumer

from shop_loyalty.handlers import credit_order_and_tell_partner, reverse_order_and_tell_partner
from shop_loyalty.ports import AccountRepository, Ledger, LoyaltyPartner, PartnerNotes, UnitOfWork

__all__ = ["build_consumer", "event_handlers"]


def event_handlers(
    *,
    accounts: AccountRepository,
    ledger: Ledger,
    unit_of_work: UnitOfWork,
    partner: LoyaltyPartner,
    partner_notes: PartnerNotes,
    clock: Callable[[], datetime],
    credit_max_attempts: int = 5,
) -> dict[str, EventHandler]:
    async def on_order_created(envelope: EventEnvelope[Any]) -> None:
        await credit_order_and_tell_partner(
            envelope,
            accounts=accounts,
            ledger=ledger,
            unit_of_work=unit_of_work,
            partner=partner,
            notes=partner_notes,
            clock=clock,
            max_attempts=credit_max_attempts,
        )

    async def on_payment_failed(envelope: EventEnvelope[Any]) -> None:
        await reverse_order_and_tell_partner(
            envelope,
            accounts=accounts,
            ledger=ledger,
            unit_of_work=unit_of_work,
            partner=partner,
            notes=partner_notes,
            clock=clock,
            max_attempts=credit_max_attempts,
        )

    return {"order.created": on_order_created, "payment.failed": on_payment_failed}


def build_consumer(
    sqs_client: Any, queue_url: str, handlers: dict[str, EventHandler], **options: Unpack[ConsumerOptions]
) -> SqsEventConsumer:
    return SqsEventConsumer(sqs_client, queue_url, handlers, **options)
