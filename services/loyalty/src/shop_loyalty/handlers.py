"""Handlers of the loyalty service: credit an order's points exactly once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from shop_shared.contracts import EventEnvelope, OrderCreated
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from shop_loyalty.adapters.transactions import TransactionCancelled
from shop_loyalty.domain import LoyaltyAccount, month_of, points_for_order
from shop_loyalty.ports import AccountRepository, Ledger, TransactionWriter

__all__ = ["ConcurrentUpdate", "credit_order_points"]

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
