"""`payment.failed`: take back the points the order's credit gave, exactly once, then tell the partner."""

from __future__ import annotations

import logging
from datetime import datetime
from enum import StrEnum

from shop_shared.composition import Clock
from shop_shared.contracts import EventEnvelope, PaymentFailed
from shop_shared.outbox.unit_of_work import TransactionCancelled

from shop_loyalty.domain import month_of
from shop_loyalty.exceptions import ConcurrentUpdate
from shop_loyalty.ports import AccountRepository, Ledger, LoyaltyPartner, PartnerNotes, UnitOfWork

from .races import retry_races

__all__ = ["ReversalOutcome", "reverse_order_and_tell_partner", "reverse_order_points"]

logger = logging.getLogger(__name__)


class ReversalOutcome(StrEnum):
    REVERSED = "reversed"
    # Nothing was credited yet: a tombstone entry now stops the credit from ever happening.
    TOMBSTONED = "tombstoned"
    ALREADY_REVERSED = "already_reversed"


async def reverse_order_points(
    envelope: EventEnvelope[PaymentFailed],
    *,
    accounts: AccountRepository,
    ledger: Ledger,
    unit_of_work: UnitOfWork,
    notes: PartnerNotes,
    clock: Clock,
    max_attempts: int = 5,
) -> ReversalOutcome:
    """Take back the points the order's credit gave, exactly once; if it was not credited, make sure it never is.

    The reversal entry (conditional: only if absent) commits with the account, so a redelivered
    `payment.failed` changes nothing. Before the credit, the entry is a tombstone that the credit's
    transaction checks for; the tombstone in turn checks that no credit slipped in, and re-reads if one did.
    """
    return await retry_races(
        lambda: _reverse_once(envelope, accounts, ledger, unit_of_work, notes, clock()), max_attempts
    )


async def reverse_order_and_tell_partner(
    envelope: EventEnvelope[PaymentFailed],
    *,
    accounts: AccountRepository,
    ledger: Ledger,
    unit_of_work: UnitOfWork,
    partner: LoyaltyPartner,
    notes: PartnerNotes,
    clock: Clock,
    max_attempts: int = 5,
) -> None:
    """Reverse the order's credit exactly once, then tell the partner, the same way as a credit is told.

    The partner always hears a credit before its reversal: if the credit's own message has not told it yet
    (the partner was down), it is told here first. Both calls are idempotent by order id at the partner, and
    each entry's `partner_notified_at` keeps a redelivery from calling again. A tombstone tells nobody.
    """
    await reverse_order_points(
        envelope,
        accounts=accounts,
        ledger=ledger,
        unit_of_work=unit_of_work,
        notes=notes,
        clock=clock,
        max_attempts=max_attempts,
    )
    order_id = envelope.data.order_id
    reversal = await notes.entry(order_id, "reversal")
    if reversal is None:  # cannot happen after a reversal returned
        raise LookupError(f"no reversal entry for order {order_id} after reversing it")
    if not reversal.credited or reversal.partner_notified_at is not None:
        return
    credit = await notes.entry(order_id, "credit")
    if credit is not None and credit.partner_notified_at is None:
        await partner.report_credit(customer_id=credit.customer_id, order_id=order_id, points=credit.points)
        await notes.mark_partner_notified(order_id, clock())
    await partner.report_reversal(customer_id=reversal.customer_id, order_id=order_id, points=reversal.points)
    await notes.mark_partner_notified(order_id, clock(), "reversal")
    logger.info(
        "partner told of reversal",
        extra={"order_id": order_id, "customer_id": reversal.customer_id, "points": reversal.points},
    )


async def _reverse_once(
    envelope: EventEnvelope[PaymentFailed],
    accounts: AccountRepository,
    ledger: Ledger,
    unit_of_work: UnitOfWork,
    notes: PartnerNotes,
    now: datetime,
) -> ReversalOutcome:
    failure = envelope.data
    log_context: dict[str, object] = {"order_id": failure.order_id, "customer_id": failure.customer_id}
    credit = await notes.entry(failure.order_id, "credit")
    if credit is None:
        return await _write_tombstone(envelope, ledger, unit_of_work, now, log_context)
    # The credit's own entry says what to take back and from which month (not the failure's).
    account = await accounts.get(credit.customer_id)
    if account is None:  # the credit commits with its account, so this is a broken table: keep the message
        raise LookupError(f"order {failure.order_id} credited to {credit.customer_id}, who has no account")
    log_context |= {"customer_id": credit.customer_id, "points": credit.points}
    if not account.reverse(failure.order_id, credit.points, credit.month, now):
        logger.info("order already reversed", extra=log_context)
        return ReversalOutcome.ALREADY_REVERSED
    reversal_entry = ledger.reversal_entry(
        order_id=failure.order_id,
        customer_id=credit.customer_id,
        points=credit.points,
        month=credit.month,
        credited=True,
        reversed_at=now,
        event_id=str(envelope.metadata.event_id),
    )
    try:
        await unit_of_work.commit([reversal_entry, accounts.save_change(account)])
    except TransactionCancelled as cancelled:
        if cancelled.condition_failed(reversal_entry):
            logger.info("order already reversed", extra=log_context)
            return ReversalOutcome.ALREADY_REVERSED
        if cancelled.lost_a_race:
            logger.info("account changed concurrently; retrying", extra=log_context)
            raise ConcurrentUpdate(str(cancelled)) from cancelled
        raise
    logger.info("points reversed", extra=log_context)
    return ReversalOutcome.REVERSED


async def _write_tombstone(
    envelope: EventEnvelope[PaymentFailed],
    ledger: Ledger,
    unit_of_work: UnitOfWork,
    now: datetime,
    log_context: dict[str, object],
) -> ReversalOutcome:
    failure = envelope.data
    tombstone = ledger.reversal_entry(
        order_id=failure.order_id,
        customer_id=failure.customer_id,
        points=0,
        month=month_of(envelope.metadata.occurred_at),
        credited=False,
        reversed_at=now,
        event_id=str(envelope.metadata.event_id),
    )
    try:
        await unit_of_work.commit([tombstone, ledger.not_credited_check(failure.order_id)])
    except TransactionCancelled as cancelled:
        if cancelled.condition_failed(tombstone):
            logger.info("order already reversed", extra=log_context)
            return ReversalOutcome.ALREADY_REVERSED
        if cancelled.lost_a_race:
            # The credit committed between our read and this write: re-read and reverse it properly.
            logger.info("order credited meanwhile; retrying the reversal", extra=log_context)
            raise ConcurrentUpdate(str(cancelled)) from cancelled
        raise
    logger.info("payment failed before the credit; tombstone written", extra=log_context)
    return ReversalOutcome.TOMBSTONED
