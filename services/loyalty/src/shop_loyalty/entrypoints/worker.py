"""The SQS worker: order and payment events from the loyalty queue, each handed to its handler by event type."""

from __future__ import annotations

from typing import Any

from shop_shared.composition import Clock
from shop_shared.contracts import EventEnvelope
from shop_shared.messaging import EventHandler

from shop_loyalty.handlers import credit_order_and_tell_partner, reverse_order_and_tell_partner
from shop_loyalty.ports import AccountRepository, Ledger, LoyaltyPartner, PartnerNotes, UnitOfWork

__all__ = ["event_handlers"]


def event_handlers(
    *,
    accounts: AccountRepository,
    ledger: Ledger,
    unit_of_work: UnitOfWork,
    partner: LoyaltyPartner,
    partner_notes: PartnerNotes,
    clock: Clock,
    credit_max_attempts: int = 5,
) -> dict[str, EventHandler]:
    """The one place that maps an event type to its handler."""

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
