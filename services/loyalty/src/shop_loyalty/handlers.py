"""Handlers of the loyalty service: credit an order's points exactly once, then tell the loyalty partner."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from shop_shared.contracts import EventEnvelope, OrderCreated
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from shop_loyalty.adapters.transactions import TransactionCancelled
from shop_loyalty.domain import LoyaltyAccount, month_of, points_for_order
from shop_loyalty.ports import AccountRepository, Ledger, LoyaltyPartner, PartnerNotes, TransactionWriter

__all__ = ["ConcurrentUpdate", "credit_order_and_tell_partner", "credit_order_points"]

logger = logging.getLogger(__name__)

# Position of each write in the credit transaction; the cancellation reasons come back in this order.
LEDGER_POSITION = 0
ACCOUNT_POSITION = 1


class ConcurrentUpdate(Exception):
    """Another writer saved the account between our read and our write."""


async def credit_order_points(
    envelope: EventEnvelope[OrderCreated],
    *,
    accounts: AccountRepository,
    ledger: Ledger,
    transactions: TransactionWriter,
    clock: Callable[[], datetime],
    max_attempts: int = 5,
) -> bool:
    """Credit the order's points; True if credited now, False if it had been credited already.

    The ledger entry and the account go in one transaction, so a redelivered event finds the ledger
    entry and changes nothing. A credit that lost a race against another credit re-reads and retries.
    """
    retrying = AsyncRetrying(
        retry=retry_if_exception_type(ConcurrentUpdate),
        stop=stop_after_attempt(max_attempts),
        wait=wait_random_exponential(multiplier=0.02, max=0.5),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            return await _credit_once(envelope, accounts, ledger, transactions, clock())
    raise AssertionError("unreachable: tenacity either returns or re-raises")


async def credit_order_and_tell_partner(
    envelope: EventEnvelope[OrderCreated],
    *,
    accounts: AccountRepository,
    ledger: Ledger,
    transactions: TransactionWriter,
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
    await credit_order_points(
        envelope, accounts=accounts, ledger=ledger, transactions=transactions, clock=clock, max_attempts=max_attempts
    )
    order_id = envelope.data.order_id
    entry = await notes.credited(order_id)
    if entry is None:  # cannot happen after a credit returned; a message must not be dropped if it does
        raise LookupError(f"no ledger entry for order {order_id} after crediting it")
    customer_id, points, notified_at = entry
    if notified_at is not None:
        logger.info("partner already told", extra={"order_id": order_id})
        return
    await partner.report_credit(customer_id=customer_id, order_id=order_id, points=points)
    await notes.mark_partner_notified(order_id, clock())
    logger.info("partner told", extra={"order_id": order_id, "customer_id": customer_id, "points": points})


async def _credit_once(
    envelope: EventEnvelope[OrderCreated],
    accounts: AccountRepository,
    ledger: Ledger,
    transactions: TransactionWriter,
    now: datetime,
) -> bool:
    order = envelope.data
    # The order's own time decides the month, so a late or redelivered event lands in the same month.
    month = month_of(envelope.metadata.occurred_at)
    points = points_for_order(order.total)
    account = await accounts.get(order.customer_id) or LoyaltyAccount(customer_id=order.customer_id)
    log_context = {"order_id": order.order_id, "customer_id": order.customer_id, "points": points}
    if not account.credit(order.order_id, points, month, now):
        logger.info("order already credited", extra=log_context)
        return False
    items: list[Any] = [None, None]
    items[LEDGER_POSITION] = ledger.record_item(
        order_id=order.order_id,
        customer_id=order.customer_id,
        points=points,
        month=month,
        credited_at=now,
        event_id=str(envelope.metadata.event_id),
    )
    items[ACCOUNT_POSITION] = accounts.save_item(account)
    try:
        await transactions.write(items)
    except TransactionCancelled as cancelled:
        if cancelled.condition_failed(LEDGER_POSITION):
            logger.info("order already credited", extra=log_context)
            return False
        if cancelled.lost_a_race:
            logger.info("account changed concurrently; retrying", extra=log_context)
            raise ConcurrentUpdate(str(cancelled)) from cancelled
        raise
    logger.info("points credited", extra=log_context)
    return True
