"""The activity worker: one task handler per kind of task the tier state machine sends."""

from __future__ import annotations

from typing import Any

from shop_loyalty.tiers import AccountRepository
from shop_shared.activity import TaskHandler
from shop_shared.composition import Clock

from shop_batch_worker.domain import PlanChunksTask, RecomputeTiersTask, SummariseRunTask
from shop_batch_worker.handlers import plan_chunks, recompute_tiers, summarise_run
from shop_batch_worker.ports import TierRunUnitOfWork

__all__ = ["task_handlers"]


def task_handlers(
    *,
    accounts: AccountRepository,
    unit_of_work: TierRunUnitOfWork,
    clock: Clock,
    default_chunk_size: int,
    max_parallel_writes: int,
) -> dict[str, TaskHandler]:
    """The one place that maps a task kind to its handler.

    Task input (JSON) -> validated task -> handler -> JSON output. A ValidationError fails the task.
    """

    async def on_plan_chunks(task_input: dict[str, Any]) -> dict[str, Any]:
        task = PlanChunksTask.model_validate(task_input)
        plan = await plan_chunks(task, accounts=accounts, default_chunk_size=default_chunk_size)
        return plan.model_dump(mode="json")

    async def on_recompute_tiers(task_input: dict[str, Any]) -> dict[str, Any]:
        task = RecomputeTiersTask.model_validate(task_input)
        result = await recompute_tiers(
            task,
            accounts=accounts,
            unit_of_work=unit_of_work,
            max_parallel_writes=max_parallel_writes,
        )
        return result.model_dump(mode="json")

    async def on_summarise_run(task_input: dict[str, Any]) -> dict[str, Any]:
        task = SummariseRunTask.model_validate(task_input)
        summary = await summarise_run(task, clock=clock)
        return summary.model_dump(mode="json")

    return {"plan_chunks": on_plan_chunks, "recompute_tiers": on_recompute_tiers, "summarise_run": on_summarise_run}
