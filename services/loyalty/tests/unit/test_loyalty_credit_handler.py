"""Crediting an order exactly once, through the handler with in-memory adapters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from shop_loyalty.domain import LoyaltyAccount
from shop_loyalty.exceptions import ConcurrentUpdate
from shop_loyalty.handlers import CreditOutcome, credit_order_points

from tests.fakes.loyalty import InMemoryLoyalty, InMemoryUnitOfWork

NOW = datetime(2025, 3, 14, 12, tzinfo=UTC)
OrderEvent = Callable[..., Any]  # the `order_created` fixture


async def _credit(
    event: object, loyalty: InMemoryLoyalty, unit_of_work: InMemoryUnitOfWork | None = None
) -> CreditOutcome:
    return await credit_order_points(
        event,  # type: ignore[arg-type]
        accounts=loyalty.accounts,
        ledger=loyalty.ledger,
        unit_of_work=unit_of_work or loyalty.unit_of_work,
        clock=lambda: NOW,
        max_attempts=3,
    )


async def test_first_order_opens_the_account(order_created: OrderEvent, loyalty: InMemoryLoyalty) -> None:
    event = order_created(customer_id="c1", total="1200.00")
    assert await _credit(event, loyalty) is CreditOutcome.CREDITED
    account = await loyalty.accounts.get("c1")
    assert account is not None
    assert (account.points_balance, account.points_by_month, account.version) == (1200, {"2025-03": 1200}, 1)
    assert account.recent_credits[0].order_id == event.data.order_id


async def test_the_same_order_twice_credits_once(order_created: OrderEvent, loyalty: InMemoryLoyalty) -> None:
    event = order_created(customer_id="c1", total="99.99")
    assert await _credit(event, loyalty) is CreditOutcome.CREDITED
    assert await _credit(event, loyalty) is CreditOutcome.ALREADY_CREDITED
    account = await loyalty.accounts.get("c1")
    assert account is not None and account.points_balance == 99
    assert list(loyalty.tables.ledger) == [event.data.order_id]
    assert loyalty.tables.transactions == 1


async def test_an_order_credited_long_ago_is_caught_by_the_ledger(
    order_created: OrderEvent, loyalty: InMemoryLoyalty
) -> None:
    old = order_created(customer_id="c1", total="10")
    await _credit(old, loyalty)
    for _ in range(12):  # pushes `old` out of the recent credits
        await _credit(order_created(customer_id="c1", total="1"), loyalty)
    assert await _credit(old, loyalty) is CreditOutcome.ALREADY_CREDITED
    account = await loyalty.accounts.get("c1")
    assert account is not None and account.points_balance == 22
    assert loyalty.unit_of_work.cancelled == 1


async def test_a_concurrent_credit_is_retried_on_the_fresh_account(
    order_created: OrderEvent, loyalty: InMemoryLoyalty
) -> None:
    def concurrent_credit() -> None:
        # Another worker credits another order of the same customer between our read and our write.
        other = LoyaltyAccount(customer_id="c1")
        other.credit("other-order", 500, "2025-03", NOW)
        loyalty.accounts.save_change(other).write.apply()
        loyalty.tables.ledger["other-order"] = {"order_id": "other-order"}

    unit_of_work = InMemoryUnitOfWork(loyalty.tables, before_write=concurrent_credit)
    outcome = await _credit(order_created(customer_id="c1", total="700"), loyalty, unit_of_work)
    assert outcome is CreditOutcome.CREDITED
    account = await loyalty.accounts.get("c1")
    assert account is not None
    assert (account.points_balance, account.version) == (1200, 2)
    assert unit_of_work.cancelled == 1
    assert len(loyalty.tables.ledger) == 2


async def test_a_credit_that_keeps_losing_gives_up_for_a_redelivery(
    order_created: OrderEvent, loyalty: InMemoryLoyalty
) -> None:
    tables = loyalty.tables

    class AlwaysRaced(InMemoryUnitOfWork):
        async def commit(self, changes: Any, events: Any = ()) -> None:
            stored = tables.accounts.get("c1")
            version = stored["version"] if stored else 0
            tables.accounts["c1"] = LoyaltyAccount(customer_id="c1").model_dump(mode="json") | {"version": version + 1}
            await super().commit(changes, events)

    with pytest.raises(ConcurrentUpdate):
        await _credit(order_created(customer_id="c1"), loyalty, AlwaysRaced(tables))
    assert tables.ledger == {}
