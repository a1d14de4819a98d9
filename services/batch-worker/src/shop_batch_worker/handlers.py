"""The three tasks of the monthly tier run: plan the chunks, recompute one chunk, summarise the run."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager

from shop_loyalty.tiers import AccountRepository, ConcurrentUpdate, UnitOfWork
from shop_loyalty.tiers.rules import LoyaltyAccount, TierChange
from shop_shared.composition import Clock
from shop_shared.observability.tracing import annotate, current_traceparent
from shop_shared.outbox.unit_of_work import TransactionCancelled

from shop_batch_worker.domain import (
    ChangeTally,
    ChunkResult,
    PlanChunksTask,
    RecomputeTiersTask,
    RunPlan,
    RunRequest,
    RunSummary,
    SummariseRunTask,
    plan_run,
    summarise,
    tier_changed_envelope,
)
from shop_batch_worker.ports import TierRunUnitOfWork

__all__ = ["plan_chunks", "recompute_tiers", "summarise_run"]

logger = logging.getLogger(__name__)

SAVE_MAX_ATTEMPTS = 5
SCAN_PAGE_SIZE = 250
PHASES = ("read", "compute", "write", "publish")


async def plan_chunks(task: PlanChunksTask, *, accounts: AccountRepository, default_chunk_size: int) -> RunPlan:
    request = RunRequest.model_validate(task.request)
    estimate = await accounts.count()
    plan = plan_run(request, task.started_at, estimate, default_chunk_size).model_copy(
        update={"traceparent": current_traceparent()}
    )
    annotate(
        {
            "shop.tier_run_id": task.run_id or "",
            "shop.tier_run.as_of": plan.as_of,
            "shop.tier_run.chunks": len(plan.chunks),
        }
    )
    logger.info("run planned", extra={"as_of": plan.as_of, "chunks": len(plan.chunks), "customers": estimate})
    return plan


async def summarise_run(task: SummariseRunTask, *, clock: Clock) -> RunSummary:
    annotate({"shop.tier_run_id": task.run_id or "", "shop.tier_run.as_of": task.as_of})
    summary = summarise(task.as_of, task.started_at, clock(), task.chunk_results)
    logger.info("run summarised", extra=summary.model_dump(exclude={"failed_chunks"}))
    return summary


class _PhaseTimer:
    def __init__(self) -> None:
        self.seconds = dict.fromkeys(PHASES, 0.0)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.add_since(name, started)

    def add_since(self, name: str, started: float) -> None:
        self.seconds[name] += time.perf_counter() - started


async def recompute_tiers(
    task: RecomputeTiersTask,
    *,
    accounts: AccountRepository,
    unit_of_work: TierRunUnitOfWork,
    max_parallel_writes: int = 10,
) -> ChunkResult:
    """Requalify every account of the segment; each new change is saved with its event in one transaction.

    An account already qualified for `as_of` (by an earlier attempt of this chunk) is counted with the
    change it recorded and written again never, so a retried chunk reports the same and emits nothing new.
    """
    annotate({"shop.tier_run_id": task.run_id, "shop.tier_run.segment": task.segment})
    timer = _PhaseTimer()
    tally = ChangeTally()
    to_save: list[tuple[LoyaltyAccount, TierChange]] = []
    customers = 0
    events = 0
    # A chunk reads its whole segment: bigger pages mean fewer round trips (and fewer whole-table sorts in moto,
    # whose page time also grows with its size: 1,000 items under load passed the client's 10 s read timeout).
    scan = aiter(accounts.scan_segment(task.segment, task.total_segments, page_size=SCAN_PAGE_SIZE))
    while True:
        with timer.phase("read"):
            account = await anext(scan, None)
        if account is None:
            break
        customers += 1
        with timer.phase("compute"):
            already = account.qualified_for(task.as_of)
            change = account.requalify(task.as_of)
        if change is not None and already:
            tally.add(change)
        elif change is not None:
            to_save.append((account, change))
        if len(to_save) >= max_parallel_writes * 5:
            events += await _save_and_publish(to_save, task, accounts, unit_of_work, tally, timer, max_parallel_writes)
            to_save.clear()
    events += await _save_and_publish(to_save, task, accounts, unit_of_work, tally, timer, max_parallel_writes)
    result = ChunkResult(
        segment=task.segment,
        customers=customers,
        tier_changes=tally.tier_changes,
        upgrades=tally.upgrades,
        downgrades=tally.downgrades,
        phase_seconds={name: round(seconds, 3) for name, seconds in timer.seconds.items()},
    )
    logger.info("chunk recomputed", extra=result.model_dump() | {"events": events, "run_id": task.run_id})
    return result


async def _save_and_publish(
    pending: list[tuple[LoyaltyAccount, TierChange]],
    task: RecomputeTiersTask,
    accounts: AccountRepository,
    unit_of_work: TierRunUnitOfWork,
    tally: ChangeTally,
    timer: _PhaseTimer,
    max_parallel_writes: int,
) -> int:
    """Save a round of changes; their events are published together as the round ends, before the outbox sweep
    would (no duplicates). Returns how many events the round committed."""
    async with unit_of_work.publishing_together() as round_of_commits:
        with timer.phase("write"):
            committed = await _save_all(pending, task, accounts, round_of_commits, tally, max_parallel_writes)
        publishing_started = time.perf_counter()  # the publication runs as the block exits
    timer.add_since("publish", publishing_started)
    return committed


async def _save_all(
    pending: list[tuple[LoyaltyAccount, TierChange]],
    task: RecomputeTiersTask,
    accounts: AccountRepository,
    unit_of_work: UnitOfWork,
    tally: ChangeTally,
    max_parallel_writes: int,
) -> int:
    slots = asyncio.Semaphore(max_parallel_writes)
    committed = 0

    async def save(account: LoyaltyAccount, change: TierChange) -> None:
        nonlocal committed
        async with slots:
            final_change, emitted = await _save_change(account, change, task, accounts, unit_of_work)
        if final_change is not None:
            tally.add(final_change)
        committed += emitted

    try:
        async with asyncio.TaskGroup() as group:
            for account, change in pending:
                group.create_task(save(account, change))
    except ExceptionGroup as failures:
        # Report the cause itself to Step Functions, not "unhandled errors in a TaskGroup".
        raise _first_leaf(failures) from failures
    return committed


def _first_leaf(group: BaseExceptionGroup[Exception]) -> Exception:
    first = group.exceptions[0]
    return _first_leaf(first) if isinstance(first, BaseExceptionGroup) else first


async def _save_change(
    account: LoyaltyAccount,
    change: TierChange,
    task: RecomputeTiersTask,
    accounts: AccountRepository,
    unit_of_work: UnitOfWork,
) -> tuple[TierChange | None, int]:
    """Save the account and its event atomically; on a lost race, requalify the fresh account and retry.

    Returns the change as finally recorded and how many events this call committed (0 or 1).
    """
    for attempt in range(1, SAVE_MAX_ATTEMPTS + 1):
        try:
            await unit_of_work.commit(
                [accounts.save_change(account)], [tier_changed_envelope(change, task.run_id, current_traceparent())]
            )
            return change, 1
        except TransactionCancelled as cancelled:
            if not cancelled.lost_a_race:
                raise
            logger.info("account changed during the run; requalifying", extra={"customer_id": account.customer_id})
        await asyncio.sleep(random.uniform(0, 0.05 * 2**attempt))  # jitter spreads the retries
        fresh = await accounts.get(account.customer_id)
        if fresh is None:
            return None, 0
        already = fresh.qualified_for(task.as_of)
        fresh_change = fresh.requalify(task.as_of)
        if fresh_change is None or already:
            return fresh_change, 0
        account, change = fresh, fresh_change
    # Loyalty's own error for a write that keeps losing races: the state machine retries the chunk.
    raise ConcurrentUpdate(f"account {account.customer_id} kept changing; the chunk will be retried")
