"""Crediting an order exactly once, through the handler with in-memory adapters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from shop_loyalty.adapters.memory import InMemoryAccounts, InMemoryLedger, InMemoryTables, InMemoryTransactions
from shop_loyalty.domain import LoyaltyAccount
from shop_loyalty.handlers import ConcurrentUpdate, credit_order_points

NOW = datetime(2025, 3, 14, 12, tzinfo=UTC)
OrderEvent = Callable[..., Any]  # the `order_created` fixture


async def _credit(event: object, accounts: InMemoryAccounts, ledger: InMemoryLedger, tx: InMemoryTransactions) -> bool:
    return await credit_order_points(
        event,  # type: ignore[arg-type]
        accounts=accounts,
        ledger=ledger,
        transactions=tx,
        clock=lambda: NOW,
        max_attempts=3,
    )


async def test_first_order_opens_the_account(
    order_created: OrderEvent, accounts: InMemoryAccounts, ledger: InMemoryLedger, transactions: InMemoryTransactions
) -> None:
    event = order_created(customer_id="c1", total="1200.00")
    assert await _credit(event, accounts, ledger, transactions)
    account = await accounts.get("c1")
    assert account is not None
    assert (account.points_balance, account.points_by_month, account.version) == (1200, {"2025-03": 1200}, 1)
    assert account.recent_credits[0].order_id == event.data.order_id


async def test_the_same_order_twice_credits_once(
    order_created: OrderEvent,
    tables: InMemoryTables,
    accounts: InMemoryAccounts,
    ledger: InMemoryLedger,
    transactions: InMemoryTransactions,
) -> None:
    event = order_created(customer_id="c1", total="99.99")
    assert await _credit(event, accounts, ledger, transactions)
    assert not await _credit(event, accounts, ledger, transactions)
    account = await accounts.get("c1")
    assert account is not None and account.points_balance == 99
    assert list(tables.ledger) == [event.data.order_id]
    assert tables.transactions == 1


async def test_an_order_credited_long_ago_is_caught_by_the_ledger(
    order_created: OrderEvent,
    tables: InMemoryTables,
    accounts: InMemoryAccounts,
    ledger: InMemoryLedger,
    transactions: InMemoryTransactions,
) -> None:
    old = order_created(customer_id="c1", total="10")
    await _credit(old, accounts, ledger, transactions)
    for _ in range(12):  # pushes `old` out of the recent credits
        await _credit(order_created(customer_id="c1", total="1"), accounts, ledger, transactions)
    assert not await _credit(old, accounts, ledger, transactions)
    account = await accounts.get("c1")
    assert account is not None and account.points_balance == 22
    assert transactions.cancelled == 1


async def test_a_concurrent_credit_is_retried_on_the_fresh_account(
    order_created: OrderEvent, tables: InMemoryTables, accounts: InMemoryAccounts, ledger: InMemoryLedger
) -> None:
    def concurrent_credit() -> None:
        # Another worker credits another order of the same customer between our read and our write.
        other = LoyaltyAccount(customer_id="c1")
        other.credit("other-order", 500, "2025-03", NOW)
        accounts.save_item(other).apply()
        tables.ledger["other-order"] = {"order_id": "other-order"}

    transactions = InMemoryTransactions(tables, before_write=concurrent_credit)
    assert await _credit(order_created(customer_id="c1", total="700"), accounts, ledger, transactions)
    account = await accounts.get("c1")
    assert account is not None
    assert (account.points_balance, account.version) == (1200, 2)
    assert transactions.cancelled == 1
    assert len(tables.ledger) == 2


async def test_a_credit_that_keeps_losing_gives_up_for_a_redelivery(
    order_created: OrderEvent, tables: InMemoryTables, accounts: InMemoryAccounts, ledger: InMemoryLedger
) -> None:
    class AlwaysRaced(InMemoryTransactions):
        async def write(self, items: object) -> None:
            stored = tables.accounts.get("c1")
            version = stored["version"] if stored else 0
            tables.accounts["c1"] = LoyaltyAccount(customer_id="c1").model_dump(mode="json") | {"version": version + 1}
            await super().write(items)  # type: ignore[arg-type]

    with pytest.raises(ConcurrentUpdate):
        await _credit(order_created(customer_id="c1"), accounts, ledger, AlwaysRaced(tables))
    assert tables.ledger == {}
