"""`order.created`: credit the order's points exactly once, then tell the partner."""

from __future__ import annotations

import logging
from datetime import datetime
from enum import StrEnum

from shop_shared.composition import Clock
from shop_shared.contracts import EventEnvelope, OrderCreated
from shop_shared.outbox.unit_of_work import TransactionCancelled

from shop_loyalty.domain import LoyaltyAccount, month_of, points_for_order
from shop_loyalty.exceptions import ConcurrentUpdate
from shop_loyalty.ports import AccountRepository, Ledger, LoyaltyPartner, PartnerNotes, UnitOfWork

from .races import retry_races

__all__ = ["CreditOutcome", "credit_order_and_tell_partner", "credit_order_points"]

logger = logging.getLogger(__name__)


class CreditOutcome(StrEnum):
    CREDITED = "credited"
    ALREADY_CREDITED = "already_credited"
    # The order's payment failed before its credit: the reversal entry is a tombstone, nothing is credited.
    PAYMENT_FAILED_FIRST = "payment_failed_first"


async def credit_order_points(
    envelope: EventEnvelope[OrderCreated],
    *,
    accounts: AccountRepository,
    ledger: Ledger,
    unit_of_work: UnitOfWork,
    clock: Clock,
    max_attempts: int = 5,
) -> CreditOutcome:
    """Credit the order's points, unless credited already or its payment already failed.

    The ledger entry and the account go in one transaction, so a redelivered event finds the ledger
    entry and changes nothing. A credit that lost a race against another credit re-reads and retries.
    """
    return await retry_races(lambda: _credit_once(envelope, accounts, ledger, unit_of_work, clock()), max_attempts)


async def credit_order_and_tell_partner(
    envelope: EventEnvelope[OrderCreated],
    *,
    accounts: AccountRepository,
    ledger: Ledger,
    unit_of_work: UnitOfWork,
    partner: LoyaltyPartner,
    notes: PartnerNotes,
    clock: Clock,
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
    order = envelope.data
    if outcome is CreditOutcome.PAYMENT_FAILED_FIRST:
        return  # never credited, so the partner has nothing to hear
    customer_id, points = order.customer_id, points_for_order(order.total)
    if outcome is CreditOutcome.ALREADY_CREDITED:
        # A redelivery: the ledger entry says what was credited and whether the partner heard. A fresh credit
        # skips this read (one DynamoDB call less per message): its entry is what was just written.
        entry = await notes.entry(order.order_id, "credit")
        if entry is None:  # cannot happen after a credit returned; a message must not be dropped if it does
            raise LookupError(f"no ledger entry for order {order.order_id} after crediting it")
        if entry.partner_notified_at is not None:
            logger.info("partner already told", extra={"order_id": order.order_id})
            return
        customer_id, points = entry.customer_id, entry.points
    await partner.report_credit(customer_id=customer_id, order_id=order.order_id, points=points)
    await notes.mark_partner_notified(order.order_id, clock())
    logger.info("partner told", extra={"order_id": order.order_id, "customer_id": customer_id, "points": points})


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
