"""Taking an unpaid order's points back exactly once, in either order of the two events, with in-memory adapters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from shop_loyalty.domain import LoyaltyAccount
from shop_loyalty.entrypoints.worker import event_handlers
from shop_loyalty.exceptions import PartnerUnavailable
from shop_loyalty.handlers import (
    CreditOutcome,
    ReversalOutcome,
    credit_order_points,
    reverse_order_points,
)

from tests.fakes.loyalty import InMemoryLoyalty, InMemoryUnitOfWork

NOW = datetime(2025, 3, 14, 12, tzinfo=UTC)
OrderEvent = Callable[..., Any]  # the `order_created` fixture
FailureEvent = Callable[..., Any]  # the `payment_failed` fixture


async def _credit(event: object, loyalty: InMemoryLoyalty) -> CreditOutcome:
    return await credit_order_points(
        event,  # type: ignore[arg-type]
        accounts=loyalty.accounts,
        ledger=loyalty.ledger,
        unit_of_work=loyalty.unit_of_work,
        clock=lambda: NOW,
    )


async def _reverse(
    event: object, loyalty: InMemoryLoyalty, unit_of_work: InMemoryUnitOfWork | None = None
) -> ReversalOutcome:
    return await reverse_order_points(
        event,  # type: ignore[arg-type]
        accounts=loyalty.accounts,
        ledger=loyalty.ledger,
        unit_of_work=unit_of_work or loyalty.unit_of_work,
        notes=loyalty.partner_notes,
        clock=lambda: NOW,
        max_attempts=3,
    )


async def _account(loyalty: InMemoryLoyalty, customer_id: str) -> LoyaltyAccount:
    account = await loyalty.accounts.get(customer_id)
    assert account is not None
    return account


async def test_a_failed_payment_takes_the_credit_back_as_its_own_entry(
    order_created: OrderEvent, payment_failed: FailureEvent, loyalty: InMemoryLoyalty
) -> None:
    kept = order_created(customer_id="c1", total="300")
    unpaid = order_created(customer_id="c1", total="900")
    await _credit(kept, loyalty)
    await _credit(unpaid, loyalty)

    assert await _reverse(payment_failed(unpaid), loyalty) is ReversalOutcome.REVERSED

    account = await _account(loyalty, "c1")
    assert (account.points_balance, account.points_by_month) == (300, {"2025-03": 300})
    assert [(r.order_id, r.points, r.month) for r in account.recent_reversals] == [
        (unpaid.data.order_id, 900, "2025-03")
    ]
    order_id = unpaid.data.order_id
    # The credit stays as it was; the reversal is a second entry beside it.
    assert loyalty.tables.ledger[order_id]["kind"] == "credit"
    assert loyalty.tables.ledger[f"{order_id}#reversal"] == {
        "order_id": f"{order_id}#reversal",
        "kind": "reversal",
        "reverses_order_id": order_id,
        "customer_id": "c1",
        "points": 900,
        "month": "2025-03",
        "credited": True,
    }


async def test_a_redelivered_failure_reverses_once(
    order_created: OrderEvent, payment_failed: FailureEvent, loyalty: InMemoryLoyalty
) -> None:
    order = order_created(customer_id="c1", total="500")
    failure = payment_failed(order)
    await _credit(order, loyalty)
    await _reverse(failure, loyalty)
    writes = loyalty.tables.transactions

    assert await _reverse(failure, loyalty) is ReversalOutcome.ALREADY_REVERSED
    loyalty.tables.accounts["c1"]["recent_reversals"] = []  # even once the aggregate has forgotten it:
    assert await _reverse(failure, loyalty) is ReversalOutcome.ALREADY_REVERSED  # the ledger entry stops it
    assert await _credit(order, loyalty) is CreditOutcome.ALREADY_CREDITED  # and a redelivered credit too

    account = await _account(loyalty, "c1")
    assert (account.points_balance, account.points_by_month["2025-03"]) == (0, 0)
    assert loyalty.tables.transactions == writes


async def test_a_failure_before_the_credit_leaves_a_tombstone_and_the_order_is_never_credited(
    order_created: OrderEvent, payment_failed: FailureEvent, loyalty: InMemoryLoyalty
) -> None:
    order = order_created(customer_id="c1", total="700")
    failure = payment_failed(order)

    assert await _reverse(failure, loyalty) is ReversalOutcome.TOMBSTONED
    assert await _credit(order, loyalty) is CreditOutcome.PAYMENT_FAILED_FIRST
    # Redeliveries of both, in both orders.
    assert await _reverse(failure, loyalty) is ReversalOutcome.ALREADY_REVERSED
    assert await _credit(order, loyalty) is CreditOutcome.PAYMENT_FAILED_FIRST

    assert await loyalty.accounts.get("c1") is None  # nothing credited, nothing to take back
    order_id = order.data.order_id
    assert list(loyalty.tables.ledger) == [f"{order_id}#reversal"]
    assert loyalty.tables.ledger[f"{order_id}#reversal"]["credited"] is False
    assert loyalty.tables.ledger[f"{order_id}#reversal"]["points"] == 0
    assert loyalty.tables.transactions == 1


async def test_a_credit_landing_while_the_tombstone_is_written_is_reversed_instead(
    order_created: OrderEvent, payment_failed: FailureEvent, loyalty: InMemoryLoyalty
) -> None:
    order = order_created(customer_id="c1", total="400")

    def credit_meanwhile() -> None:
        # The credit's transaction commits between the reversal's read (no credit yet) and its write.
        account = LoyaltyAccount(customer_id="c1")
        account.credit(order.data.order_id, 400, "2025-03", NOW)
        loyalty.accounts.save_change(account).write.apply()
        loyalty.ledger.credit_entry(
            order_id=order.data.order_id, customer_id="c1", points=400, month="2025-03", credited_at=NOW, event_id="e"
        ).write.apply()

    unit_of_work = InMemoryUnitOfWork(loyalty.tables, before_write=credit_meanwhile)
    assert await _reverse(payment_failed(order), loyalty, unit_of_work) is ReversalOutcome.REVERSED
    assert unit_of_work.cancelled == 1
    account = await _account(loyalty, "c1")
    assert (account.points_balance, account.points_by_month["2025-03"]) == (0, 0)
    assert loyalty.tables.ledger[f"{order.data.order_id}#reversal"]["credited"] is True


async def test_a_reversal_racing_another_credit_is_retried_on_the_fresh_account(
    order_created: OrderEvent, payment_failed: FailureEvent, loyalty: InMemoryLoyalty
) -> None:
    unpaid = order_created(customer_id="c1", total="600")
    await _credit(unpaid, loyalty)

    def other_credit_meanwhile() -> None:
        account = LoyaltyAccount.model_validate(loyalty.tables.accounts["c1"])
        account.credit("other-order", 50, "2025-03", NOW)
        loyalty.accounts.save_change(account).write.apply()

    unit_of_work = InMemoryUnitOfWork(loyalty.tables, before_write=other_credit_meanwhile)
    assert await _reverse(payment_failed(unpaid), loyalty, unit_of_work) is ReversalOutcome.REVERSED
    assert unit_of_work.cancelled == 1
    account = await _account(loyalty, "c1")
    assert (account.points_balance, account.points_by_month["2025-03"]) == (50, 50)


class FakePartner:
    """Records every call it takes, as ("credit" | "reversal", order_id, points); fails while `down`."""

    def __init__(self) -> None:
        self.down = False
        self.taken: list[tuple[str, str, int]] = []

    async def report_credit(self, *, customer_id: str, order_id: str, points: int) -> None:
        self._take("credit", order_id, points)

    async def report_reversal(self, *, customer_id: str, order_id: str, points: int) -> None:
        self._take("reversal", order_id, points)

    def _take(self, kind: str, order_id: str, points: int) -> None:
        if self.down:
            raise PartnerUnavailable("partner down")
        self.taken.append((kind, order_id, points))


def _worker(loyalty: InMemoryLoyalty, partner: FakePartner) -> dict[str, Any]:
    """The worker's handlers, looked up by event type as the SQS consumer does."""
    return event_handlers(
        accounts=loyalty.accounts,
        ledger=loyalty.ledger,
        unit_of_work=loyalty.unit_of_work,
        partner=partner,
        partner_notes=loyalty.partner_notes,
        clock=lambda: NOW,
    )


async def test_the_worker_routes_payment_failed_and_tells_the_partner_once(
    order_created: OrderEvent, payment_failed: FailureEvent, loyalty: InMemoryLoyalty
) -> None:
    partner = FakePartner()
    handlers = _worker(loyalty, partner)
    order = order_created(customer_id="c1", total="250")
    failure = payment_failed(order)
    await handlers[order.metadata.event_type](order)
    await handlers[failure.metadata.event_type](failure)
    await handlers[failure.metadata.event_type](failure)  # redelivered
    order_id = order.data.order_id
    assert partner.taken == [("credit", order_id, 250), ("reversal", order_id, 250)]
    assert loyalty.tables.ledger[f"{order_id}#reversal"]["partner_notified_at"] == NOW
    assert (await _account(loyalty, "c1")).points_balance == 0


async def test_the_partner_hears_the_credit_before_its_reversal_even_if_it_was_down_for_the_credit(
    order_created: OrderEvent, payment_failed: FailureEvent, loyalty: InMemoryLoyalty
) -> None:
    partner = FakePartner()
    handlers = _worker(loyalty, partner)
    order = order_created(customer_id="c1", total="80")
    failure = payment_failed(order)
    partner.down = True
    with pytest.raises(PartnerUnavailable):
        await handlers["order.created"](order)  # credited; the partner call fails, the message stays
    with pytest.raises(PartnerUnavailable):
        await handlers["payment.failed"](failure)  # reversed; the partner call fails, the message stays
    assert (await _account(loyalty, "c1")).points_balance == 0  # both committed all the same
    partner.down = False

    await handlers["payment.failed"](failure)  # redelivered first: tells the credit, then the reversal
    await handlers["order.created"](order)  # redelivered: the partner already knows
    order_id = order.data.order_id
    assert partner.taken == [("credit", order_id, 80), ("reversal", order_id, 80)]
    assert loyalty.tables.transactions == 2  # one credit, one reversal


async def test_a_tombstone_tells_the_partner_nothing(
    order_created: OrderEvent, payment_failed: FailureEvent, loyalty: InMemoryLoyalty
) -> None:
    partner = FakePartner()
    handlers = _worker(loyalty, partner)
    order = order_created(customer_id="c1", total="80")
    await handlers["payment.failed"](payment_failed(order))
    await handlers["order.created"](order)
    assert partner.taken == []
    assert await loyalty.accounts.get("c1") is None
