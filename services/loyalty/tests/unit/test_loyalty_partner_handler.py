"""Crediting, then telling the partner: a partner failure redelivers the message, never credits twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from shop_loyalty.exceptions import PartnerUnavailable
from shop_loyalty.handlers import credit_order_and_tell_partner

from tests.fakes.loyalty import InMemoryLoyalty

NOW = datetime(2025, 3, 14, 12, tzinfo=UTC)
OrderEvent = Callable[..., Any]  # the `order_created` fixture


class FakePartner:
    """Fails the first `failures` calls, then records every call it takes."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.calls: list[tuple[str, str, int]] = []
        self.taken: list[tuple[str, str, int]] = []

    async def report_credit(self, *, customer_id: str, order_id: str, points: int) -> None:
        self.calls.append((customer_id, order_id, points))
        if self.failures > 0:
            self.failures -= 1
            raise PartnerUnavailable("partner down")
        self.taken.append((customer_id, order_id, points))


async def _handle(event: object, loyalty: InMemoryLoyalty, partner: FakePartner) -> None:
    await credit_order_and_tell_partner(
        event,  # type: ignore[arg-type]
        accounts=loyalty.accounts,
        ledger=loyalty.ledger,
        unit_of_work=loyalty.unit_of_work,
        partner=partner,
        notes=loyalty.partner_notes,
        clock=lambda: NOW,
    )


async def test_credit_then_partner_told_and_recorded(order_created: OrderEvent, loyalty: InMemoryLoyalty) -> None:
    event = order_created(customer_id="c1", total="250.00")
    partner = FakePartner()
    await _handle(event, loyalty, partner)
    assert partner.taken == [("c1", event.data.order_id, 250)]
    assert loyalty.tables.ledger[event.data.order_id]["partner_notified_at"] == NOW


async def test_partner_failure_raises_after_the_credit_and_the_redelivery_only_retries_the_partner(
    order_created: OrderEvent, loyalty: InMemoryLoyalty
) -> None:
    event = order_created(customer_id="c1", total="99.00")
    partner = FakePartner(failures=1)
    with pytest.raises(PartnerUnavailable):
        await _handle(event, loyalty, partner)
    account = await loyalty.accounts.get("c1")
    assert account is not None and account.points_balance == 99  # the credit is committed all the same
    assert "partner_notified_at" not in loyalty.tables.ledger[event.data.order_id]

    await _handle(event, loyalty, partner)  # the redelivery
    account = await loyalty.accounts.get("c1")
    assert account is not None and account.points_balance == 99
    assert loyalty.tables.transactions == 1  # credited once
    assert len(partner.calls) == 2 and partner.taken == [("c1", event.data.order_id, 99)]
    assert loyalty.tables.ledger[event.data.order_id]["partner_notified_at"] == NOW


async def test_a_redelivery_after_the_partner_was_told_calls_it_no_more(
    order_created: OrderEvent, loyalty: InMemoryLoyalty
) -> None:
    event = order_created(customer_id="c1", total="10.00")
    partner = FakePartner()
    await _handle(event, loyalty, partner)
    await _handle(event, loyalty, partner)
    assert len(partner.calls) == 1
    assert loyalty.tables.transactions == 1
