"""The activity worker: one task handler per kind of task the tier state machine sends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from shop_loyalty.ports import AccountRepository
from shop_shared.activity import ActivityWorkerPool, TaskHandler
from shop_shared.lifecycle import SHUTDOWN_MARGIN_SECONDS

from shop_batch_worker.domain import PlanChunksTask, RecomputeTiersTask, SummariseRunTask
from shop_batch_worker.handlers import plan_chunks, recompute_tiers, summarise_run
from shop_batch_worker.ports import TierRunUnitOfWork
from shop_batch_worker.settings import BatchSettings

__all__ = ["build_worker_pool", "task_handlers"]


def task_handlers(
    *,
    accounts: AccountRepository,
    unit_of_work: TierRunUnitOfWork,
    clock: Callable[[], datetime],
    default_chunk_size: int,
    max_parallel_writes: int,
) -> dict[str, TaskHandler]:
    """Task input (JSON) -> validated task -> handler -> JSON output. A ValidationError fails the task."""

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


def build_worker_pool(sfn_client: Any, settings: BatchSettings, handlers: dict[str, TaskHandler]) -> ActivityWorkerPool:
    return ActivityWorkerPool(
        sfn_client,
        settings.activity_arn,
        handlers,
        worker_name=settings.worker_name,
        max_concurrent_tasks=settings.max_concurrent_tasks,
        heartbeat_interval_seconds=settings.heartbeat_interval_seconds,
        # What is unfinished then is failed back to Step Functions, inside the service's own grace.
        shutdown_grace_seconds=max(0.0, settings.shutdown_grace_seconds - SHUTDOWN_MARGIN_SECONDS),
    )
