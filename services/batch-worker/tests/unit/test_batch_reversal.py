"""An order whose payment failed after the tier run counted its points: the next run takes the tier back."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from shop_batch_worker.domain import RecomputeTiersTask
from shop_batch_worker.handlers import recompute_tiers
from shop_loyalty.handlers import ReversalOutcome, credit_order_points, reverse_order_points
from shop_shared.contracts import EventEnvelope, OrderCreated, OrderCreatedLine, PaymentFailed, new_envelope

from tests.fakes.loyalty import InMemoryLoyalty

MARCH = datetime(2025, 3, 14, 12, tzinfo=UTC)


def _order(customer_id: str, total: str) -> EventEnvelope[OrderCreated]:
    order = OrderCreated(
        order_id=f"order-{customer_id}",
        customer_id=customer_id,
        currency="EUR",
        total=Decimal(total),
        items=(OrderCreatedLine(sku="SKU-1", quantity=1, unit_price=Decimal(total)),),
        payment_token="tok_test",
        contact_ciphertext="Y2lwaGVy",
    )
    return new_envelope(order, correlation_id=order.order_id, occurred_at=MARCH)


def _failure(order: EventEnvelope[OrderCreated]) -> EventEnvelope[PaymentFailed]:
    failure = PaymentFailed(
        payment_id=f"pay-{order.data.order_id}",
        order_id=order.data.order_id,
        customer_id=order.data.customer_id,
        amount=order.data.total,
        currency=order.data.currency,
        reason_code="card_declined",
    )
    return new_envelope(failure, correlation_id=order.data.order_id, occurred_at=MARCH)


async def _run(loyalty: InMemoryLoyalty, unit_of_work: Any, as_of: str) -> Any:
    task = RecomputeTiersTask(task="recompute_tiers", segment=0, total_segments=1, as_of=as_of, run_id=f"run-{as_of}")
    return await recompute_tiers(task, accounts=loyalty.accounts, unit_of_work=unit_of_work)


async def _tier(loyalty: InMemoryLoyalty, customer_id: str) -> str:
    account = await loyalty.accounts.get(customer_id)
    assert account is not None
    return account.tier


async def test_a_tier_raised_by_reversed_points_goes_back_down_on_the_next_run(
    loyalty: InMemoryLoyalty, unit_of_work: Any, publisher: Any
) -> None:
    unpaid, paid = _order("unpaid", "1200"), _order("paid", "1200")
    for order in (unpaid, paid):
        await credit_order_points(
            order,
            accounts=loyalty.accounts,
            ledger=loyalty.ledger,
            unit_of_work=loyalty.unit_of_work,
            clock=lambda: MARCH,
        )
    march = await _run(loyalty, unit_of_work, "2025-03")
    assert march.upgrades == 2
    assert (await _tier(loyalty, "unpaid"), await _tier(loyalty, "paid")) == ("SILVER", "SILVER")

    # The card was declined after the run had counted the order's points.
    outcome = await reverse_order_points(
        _failure(unpaid),
        accounts=loyalty.accounts,
        ledger=loyalty.ledger,
        unit_of_work=loyalty.unit_of_work,
        notes=loyalty.partner_notes,
        clock=lambda: MARCH,
    )
    assert outcome is ReversalOutcome.REVERSED

    # A retried chunk of March's run reports what March recorded: one change and one event per customer and month.
    retried = await _run(loyalty, unit_of_work, "2025-03")
    assert (retried.upgrades, retried.downgrades) == (2, 0)

    april = await _run(loyalty, unit_of_work, "2025-04")
    assert (april.upgrades, april.downgrades) == (0, 1)
    assert (await _tier(loyalty, "unpaid"), await _tier(loyalty, "paid")) == ("BRONZE", "SILVER")
    downgrade = publisher.published[-1].data
    assert (downgrade.customer_id, downgrade.previous_tier, downgrade.new_tier, downgrade.qualifying_points) == (
        "unpaid",
        "SILVER",
        "BRONZE",
        0,
    )
