"""Handlers of the loyalty service: credit an order's points exactly once and take them back exactly once when
its payment fails, telling the loyalty partner about both.

Why credit on `order.created` and compensate on `payment.failed` (rather than credit on `payment.succeeded`):
nearly every payment succeeds, so the customer sees the points as soon as the order exists and loyalty never
waits on the payment service; the rare declined card costs one compensating entry. Both sides are ledger
entries written in the same transaction as the account, each only if absent, so every ordering and every
redelivery ends in the same state.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import StrEnum

from shop_shared.contracts import EventEnvelope, OrderCreated, PaymentFailed
from shop_shared.outbox.unit_of_work import TransactionCancelled
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from shop_loyalty.domain import LoyaltyAccount, month_of, points_for_order
from shop_loyalty.ports import AccountRepository, Ledger, LoyaltyPartner, PartnerNotes, UnitOfWork

__all__ = [
    "ConcurrentUpdate",
    "CreditOutcome",
    "ReversalOutcome",
    "credit_order_and_tell_partner",
    "credit_order_points",
    "reverse_order_and_tell_partner",
    "reverse_order_points",
]

logger = logging.getLogger(__name__)


class ConcurrentUpdate(Exception):
    """Another writer saved the account (or the order's ledger) between our read and our write."""


class CreditOutcome(StrEnum):
    CREDITED = "credited"
    ALREADY_CREDITED = "already_credited"
    # The order's payment failed before its credit: the reversal entry is a tombstone, nothing is credited.
    PAYMENT_FAILED_FIRST = "payment_failed_first"


class ReversalOutcome(StrEnum):
    REVERSED = "reversed"
    # Nothing was credited yet: a tombstone entry now stops the credit from ever happening.
    TOMBSTONED = "tombstoned"
    ALREADY_REVERSED = "already_reversed"


async def _retry_races[T](attempt_once: Callable[[], Awaitable[T]], max_attempts: int) -> T:
    """Runs `attempt_once` again (it re-reads) while it loses races, with jittered backoff."""
    retrying = AsyncRetrying(
        retry=retry_if_exception_type(ConcurrentUpdate),
        stop=stop_after_attempt(max_attempts),
        wait=wait_random_exponential(multiplier=0.02, max=0.5),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            return await attempt_once()
    raise AssertionError("unreachable: tenacity either returns or re-raises")


async def credit_order_points(
    envelope: EventEnvelope[OrderCreated],
    *,
    accounts: AccountRepository,
    ledger: Ledger,
    unit_of_work: UnitOfWork,
    clock: Callable[[], datetime],
    max_attempts: int = 5,
) -> CreditOutcome:
    """Credit the order's points, unless credited already or its payment already failed.

    The ledger entry and the account go in one transaction, so a redelivered event finds the ledger
    entry and changes nothing. A credit that lost a race against another credit re-reads and retries.
    """
    return await _retry_races(lambda: _credit_once(envelope, accounts, ledger, unit_of_work, clock()), max_attempts)


async def credit_order_and_tell_partner(
    envelope: EventEnvelope[OrderCreated],
    *,
    accounts: AccountRepository,
    ledger: Ledger,
    unit_of_work: UnitOfWork,
    partner: LoyaltyPartner,
    notes: PartnerNotes,
    clock: Callable[[], datetime],
    max_attempts: int = 5,
) -> None:
    """Credit the order's points exactly once, then tell the partner about the credit, in one message handling.

    Why here and in this order, so that nothing is lost and nothing is doubled:
    - The DynamoDB credit transaction (ledger entry + account) is the source of truth and commits first;
      the partner being slow or down never delays or undoes it, and never touches the checkout (loyalty
      reads its own queue, long after the order was answered).
    - The partner is called after the commit, with timeouts and retries (backoff + jitter). If it still
      fails, this raises: the message is not deleted and SQS redelivers it. The redelivery finds the ledger
      entry, so the points are NOT credited again; only the partner call is retried. The partner is
      idempotent by order_id, so a call that succeeded there but whose answer we lost is not doubled either.
    - After the partner took it, `partner_notified_at` is set on the ledger entry, so a redelivery after
      that (a lost delete, a duplicate event) does not call the partner again.
    - A message that keeps failing ends in the DLQ after max_receive_count, the credit already safe.
    """
    outcome = await credit_order_points(
        envelope, accounts=accounts, ledger=ledger, unit_of_work=unit_of_work, clock=clock, max_attempts=max_attempts
    )
    order_id = envelope.data.order_id
    if outcome is CreditOutcome.PAYMENT_FAILED_FIRST:
        return  # never credited, so the partner has nothing to hear
    entry = await notes.entry(order_id, "credit")
    if entry is None:  # cannot happen after a credit returned; a message must not be dropped if it does
        raise LookupError(f"no ledger entry for order {order_id} after crediting it")
    if entry.partner_notified_at is not None:
        logger.info("partner already told", extra={"order_id": order_id})
        return
    await partner.report_credit(customer_id=entry.customer_id, order_id=order_id, points=entry.points)
    await notes.mark_partner_notified(order_id, clock())
    logger.info("partner told", extra={"order_id": order_id, "customer_id": entry.customer_id, "points": entry.points})


async def reverse_order_points(
    envelope: EventEnvelope[PaymentFailed],
    *,
    accounts: AccountRepository,
    ledger: Ledger,
    unit_of_work: UnitOfWork,
    notes: PartnerNotes,
    clock: Callable[[], datetime],
    max_attempts: int = 5,
) -> ReversalOutcome:
    """Take back the points the order's credit gave, exactly once; if it was not credited, make sure it never is.

    The reversal entry (conditional: only if absent) commits with the account, so a redelivered
    `payment.failed` changes nothing. Before the credit, the entry is a tombstone that the credit's
    transaction checks for; the tombstone in turn checks that no credit slipped in, and re-reads if one did.
    """
    return await _retry_races(
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
    clock: Callable[[], datetime],
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


async def _credit_once(
    envelope: EventEnvelope[OrderCreated],
    accounts: AccountRepository,
    ledger: Ledger,
    unit_of_work: UnitOfWork,
    now: datetime,
) -> CreditOutcome:
    order = envelope.data
    # The order's own time decides the month, so a late or redelivered event lands in the same month.
    month = month_of(envelope.metadata.occurred_at)
    points = points_for_order(order.total)
    account = await accounts.get(order.customer_id) or LoyaltyAccount(customer_id=order.customer_id)
    log_context = {"order_id": order.order_id, "customer_id": order.customer_id, "points": points}
    if not account.credit(order.order_id, points, month, now):
        logger.info("order already credited", extra=log_context)
        return CreditOutcome.ALREADY_CREDITED
    credit_entry = ledger.credit_entry(
        order_id=order.order_id,
        customer_id=order.customer_id,
        points=points,
        month=month,
        credited_at=now,
        event_id=str(envelope.metadata.event_id),
    )
    not_reversed = ledger.not_reversed_check(order.order_id)
    try:
        await unit_of_work.commit([credit_entry, not_reversed, accounts.save_change(account)])
    except TransactionCancelled as cancelled:
        if cancelled.condition_failed(credit_entry):
            logger.info("order already credited", extra=log_context)
            return CreditOutcome.ALREADY_CREDITED
        if cancelled.condition_failed(not_reversed):
            logger.info("payment failed before the credit; not credited", extra=log_context)
            return CreditOutcome.PAYMENT_FAILED_FIRST
        if cancelled.lost_a_race:
            logger.info("account changed concurrently; retrying", extra=log_context)
            raise ConcurrentUpdate(str(cancelled)) from cancelled
        raise
    logger.info("points credited", extra=log_context)
    return CreditOutcome.CREDITED


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
