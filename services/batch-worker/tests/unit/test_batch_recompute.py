"""Recomputing one chunk with loyalty's in-memory tables: changes, events, reruns and races."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from shop_batch_worker.domain import RecomputeTiersTask, tier_changed_event_id
from shop_batch_worker.handlers import recompute_tiers
from shop_loyalty.tiers import ConcurrentUpdate
from shop_loyalty.tiers.rules import LoyaltyAccount

from tests.fakes.loyalty import InMemoryAccounts, InMemoryLoyalty, InMemoryOutbox, InMemoryUnitOfWork

AT = datetime(2025, 3, 14, tzinfo=UTC)
TASK = RecomputeTiersTask(task="recompute_tiers", segment=0, total_segments=1, as_of="2025-03", run_id="run-1")


def _store(accounts: InMemoryAccounts) -> None:
    """Two upgrades, one downgrade, one unchanged SILVER and one BRONZE that stays."""
    accounts.put(LoyaltyAccount(customer_id="to-silver", points_by_month={"2025-03": 1000}, version=1))
    accounts.put(LoyaltyAccount(customer_id="to-gold", points_by_month={"2024-04": 4000, "2025-01": 1000}, version=1))
    accounts.put(LoyaltyAccount(customer_id="to-bronze", tier="GOLD", points_by_month={"2024-03": 9000}, version=1))
    accounts.put(
        LoyaltyAccount(customer_id="stays-silver", tier="SILVER", points_by_month={"2025-02": 4999}, version=1)
    )
    accounts.put(LoyaltyAccount(customer_id="stays-bronze", points_by_month={"2025-03": 999}, version=1))


async def _run(loyalty: InMemoryLoyalty, unit_of_work: InMemoryUnitOfWork) -> Any:
    return await recompute_tiers(TASK, accounts=loyalty.accounts, unit_of_work=unit_of_work, max_parallel_writes=2)


async def test_changes_are_saved_with_their_events_and_published(
    loyalty: InMemoryLoyalty, outbox: InMemoryOutbox, publisher: Any, unit_of_work: InMemoryUnitOfWork
) -> None:
    _store(loyalty.accounts)
    result = await _run(loyalty, unit_of_work)
    assert (result.segment, result.customers) == (0, 5)
    assert result.tier_changes == {"BRONZE": 1, "SILVER": 1, "GOLD": 1, "PLATINUM": 0}
    assert (result.upgrades, result.downgrades) == (2, 1)
    assert set(result.phase_seconds) == {"read", "compute", "write", "publish"}

    tiers = {cid: (await loyalty.accounts.get(cid)) for cid in ("to-silver", "to-gold", "to-bronze", "stays-silver")}
    assert {cid: (a.tier, a.previous_tier, a.tier_as_of, a.version) for cid, a in tiers.items() if a} == {
        "to-silver": ("SILVER", "BRONZE", "2025-03", 2),
        "to-gold": ("GOLD", "BRONZE", "2025-03", 2),
        "to-bronze": ("BRONZE", "GOLD", "2025-03", 2),
        # No change, no write: the account stays as it was.
        "stays-silver": ("SILVER", None, None, 1),
    }
    events = {envelope.data.customer_id: envelope for envelope in publisher.published}
    assert set(events) == {"to-silver", "to-gold", "to-bronze"}
    assert events["to-gold"].data.model_dump() == {
        "customer_id": "to-gold",
        "previous_tier": "BRONZE",
        "new_tier": "GOLD",
        "qualifying_points": 5000,
        "as_of": "2025-03",
    }
    assert events["to-gold"].metadata.event_id == tier_changed_event_id("to-gold", "2025-03")
    assert events["to-gold"].metadata.correlation_id == "run-1"
    assert set(outbox.entries) == {str(envelope.metadata.event_id) for envelope in publisher.published}


async def test_a_rerun_of_the_chunk_reports_the_same_and_emits_nothing(
    loyalty: InMemoryLoyalty, outbox: InMemoryOutbox, publisher: Any, unit_of_work: InMemoryUnitOfWork
) -> None:
    _store(loyalty.accounts)
    first = await _run(loyalty, unit_of_work)
    writes, events = loyalty.tables.transactions, len(publisher.published)
    second = await _run(loyalty, unit_of_work)
    assert second.model_dump(exclude={"phase_seconds"}) == first.model_dump(exclude={"phase_seconds"})
    assert loyalty.tables.transactions == writes
    assert len(publisher.published) == events


async def test_a_chunk_interrupted_halfway_finishes_the_rest_on_rerun(
    loyalty: InMemoryLoyalty, outbox: InMemoryOutbox, publisher: Any, unit_of_work: InMemoryUnitOfWork
) -> None:
    _store(loyalty.accounts)

    class FailsOnce(InMemoryUnitOfWork):
        calls = 0

        async def commit(self, changes: Any, events: Any = ()) -> None:
            self.calls += 1
            if self.calls == 2:
                raise RuntimeError("connection reset")
            await super().commit(changes, events)

    with pytest.raises(RuntimeError, match="connection reset"):
        await _run(loyalty, FailsOnce(loyalty.tables, outbox=outbox, relay=publisher))
    committed_first = set(outbox.entries)
    assert 1 <= len(committed_first) < 3
    assert publisher.published == []  # left to the outbox sweep

    rerun = await _run(loyalty, InMemoryUnitOfWork(loyalty.tables, outbox=outbox, relay=publisher))
    assert rerun.tier_changes == {"BRONZE": 1, "SILVER": 1, "GOLD": 1, "PLATINUM": 0}
    assert (rerun.upgrades, rerun.downgrades) == (2, 1)
    # The rerun commits only what the first attempt had not, so no event is stored twice.
    assert len(outbox.entries) == 3
    assert {str(envelope.metadata.event_id) for envelope in publisher.published} == set(
        outbox.entries
    ) - committed_first
    for customer_id in ("to-silver", "to-gold", "to-bronze"):
        account = await loyalty.accounts.get(customer_id)
        assert account is not None and (account.tier_as_of, account.version) == ("2025-03", 2)


async def test_a_credit_racing_the_save_is_requalified_on_the_fresh_account(
    loyalty: InMemoryLoyalty, outbox: InMemoryOutbox, publisher: Any, unit_of_work: InMemoryUnitOfWork
) -> None:
    loyalty.accounts.put(LoyaltyAccount(customer_id="racer", points_by_month={"2025-03": 4500}, version=1))

    def credit_meanwhile() -> None:
        # An order credited between the scan and the save pushes the customer past GOLD.
        fresh = LoyaltyAccount.model_validate(loyalty.tables.accounts["racer"])
        fresh.credit("late-order", 600, "2025-03", AT)
        loyalty.accounts.save_change(fresh).write.apply()

    racing = InMemoryUnitOfWork(loyalty.tables, outbox=outbox, relay=publisher, before_write=credit_meanwhile)
    result = await _run(loyalty, racing)
    assert result.tier_changes["GOLD"] == 1 and result.tier_changes["SILVER"] == 0
    stored = await loyalty.accounts.get("racer")
    assert stored is not None and (stored.tier, stored.points_balance, stored.version) == ("GOLD", 600, 3)
    assert [envelope.data.new_tier for envelope in publisher.published] == ["GOLD"]
    assert racing.cancelled == 1


async def test_an_account_that_never_stops_changing_fails_the_chunk(
    loyalty: InMemoryLoyalty, outbox: InMemoryOutbox, publisher: Any, unit_of_work: InMemoryUnitOfWork
) -> None:
    loyalty.accounts.put(LoyaltyAccount(customer_id="busy", points_by_month={"2025-03": 1500}, version=1))

    class AlwaysRaced(InMemoryUnitOfWork):
        async def commit(self, changes: Any, events: Any = ()) -> None:
            # Someone saves the account between every read and write of ours.
            loyalty.tables.accounts["busy"]["version"] += 1
            await super().commit(changes, events)

    with pytest.raises(ConcurrentUpdate):
        await _run(loyalty, AlwaysRaced(loyalty.tables, outbox=outbox, relay=publisher))
    assert outbox.entries == {} and publisher.published == []


async def test_a_large_chunk_is_saved_in_rounds_and_published_once(
    loyalty: InMemoryLoyalty, outbox: InMemoryOutbox, publisher: Any, unit_of_work: InMemoryUnitOfWork
) -> None:
    for number in range(25):
        loyalty.accounts.put(
            LoyaltyAccount(customer_id=f"c{number:02d}", points_by_month={"2025-03": 20_000}, version=1)
        )
    result = await _run(loyalty, unit_of_work)  # saves in rounds of 10
    assert (result.customers, result.tier_changes["PLATINUM"], result.upgrades) == (25, 25, 25)
    assert loyalty.tables.transactions == 25
    assert publisher.calls == 3  # one publication per round (10, 10, 5), not one per commit
    assert sorted(envelope.data.customer_id for envelope in publisher.published) == [f"c{n:02d}" for n in range(25)]
