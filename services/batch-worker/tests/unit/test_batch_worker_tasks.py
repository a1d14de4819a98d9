"""Task inputs as Step Functions sends them, through the worker pool to SendTaskSuccess / SendTaskFailure."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from shop_batch_worker.entrypoints.worker import task_handlers
from shop_loyalty.tiers.rules import LoyaltyAccount
from shop_shared.activity import ActivityWorkerPool

from tests.fakes.loyalty import InMemoryLoyalty

NOW = datetime(2025, 3, 14, 12, tzinfo=UTC)
ACTIVITY_ARN = "arn:aws:states:us-east-1:000000000000:activity:tiers"


class RecordingStepFunctions:
    def __init__(self) -> None:
        self.successes: list[dict[str, Any]] = []
        self.failures: list[dict[str, str]] = []

    async def send_task_success(self, *, taskToken: str, output: str) -> None:  # the SDK's names
        self.successes.append(json.loads(output))

    async def send_task_failure(self, *, taskToken: str, error: str, cause: str) -> None:
        self.failures.append({"error": error, "cause": cause})

    async def send_task_heartbeat(self, *, taskToken: str) -> None:
        return None


@pytest.fixture
def sfn() -> RecordingStepFunctions:
    return RecordingStepFunctions()


@pytest.fixture
def pool(sfn: RecordingStepFunctions, loyalty: InMemoryLoyalty, unit_of_work: Any) -> Any:
    for number in range(7):
        loyalty.accounts.put(LoyaltyAccount(customer_id=f"c{number}", points_by_month={"2025-03": 1000 * number}))
    handlers = task_handlers(
        accounts=loyalty.accounts,
        unit_of_work=unit_of_work,
        clock=lambda: NOW,
        default_chunk_size=3,
        max_parallel_writes=2,
    )
    return ActivityWorkerPool(sfn, ACTIVITY_ARN, handlers, worker_name="test-worker", heartbeat_interval_seconds=1)


async def test_a_whole_run_through_the_task_handlers(pool: Any, sfn: RecordingStepFunctions) -> None:
    started_at = "2025-03-14T11:58:00.000Z"
    await pool.run_task("t1", {"task": "plan_chunks", "request": {}, "started_at": started_at})
    plan = sfn.successes[-1]
    assert (plan["as_of"], plan["chunk_size"], plan["customer_estimate"], len(plan["chunks"])) == ("2025-03", 3, 7, 3)

    for chunk in plan["chunks"]:
        await pool.run_task("t2", {"task": "recompute_tiers", **chunk, "as_of": plan["as_of"], "run_id": "exec-1"})
    chunk_results = sfn.successes[1:]
    await pool.run_task(
        "t3",
        {"task": "summarise_run", "as_of": plan["as_of"], "started_at": started_at, "chunk_results": chunk_results},
    )
    summary = sfn.successes[-1]
    assert sfn.failures == []
    # c0 stays BRONZE; c1..c4 SILVER; c5, c6 GOLD.
    phase_seconds = summary.pop("phase_seconds")  # measured, so only its shape is known
    assert set(phase_seconds) == {"read", "compute", "write", "publish"}
    assert summary == {
        "as_of": "2025-03",
        "customers_processed": 7,
        "tier_changes": {"BRONZE": 0, "SILVER": 4, "GOLD": 2, "PLATINUM": 0},
        "upgrades": 6,
        "downgrades": 0,
        "chunks": 3,
        "failed_chunks": [],
        "duration_seconds": 120.0,
    }


@pytest.mark.parametrize(
    "task_input",
    [
        {"task": "plan_chunks", "request": {"chunk_size": 0}, "started_at": "2025-03-14T11:58:00Z"},
        {"task": "plan_chunks", "request": [], "started_at": "2025-03-14T11:58:00Z"},
        {"task": "recompute_tiers", "segment": 3, "total_segments": 3, "as_of": "2025-03", "run_id": "r"},
        {"task": "summarise_run", "as_of": "2025-03", "started_at": "yesterday", "chunk_results": []},
    ],
)
async def test_invalid_task_input_fails_the_task_with_a_clear_error(
    pool: Any, sfn: RecordingStepFunctions, task_input: dict[str, Any]
) -> None:
    await pool.run_task("t", task_input)
    assert sfn.successes == []
    assert sfn.failures[0]["error"] == "ValidationError"


async def test_an_unknown_task_kind_fails(pool: Any, sfn: RecordingStepFunctions) -> None:
    await pool.run_task("t", {"task": "delete_everything"})
    assert sfn.failures == [{"error": "UnknownTask", "cause": "no handler for task 'delete_everything'"}]
