"""Planning a run: the month, the chunk size and the number of scan segments."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError
from shop_batch_worker.domain import MAX_SEGMENTS, PlanChunksTask, RunRequest, plan_run

STARTED = datetime(2025, 3, 31, 23, 59, tzinfo=UTC)


def test_empty_table_still_gets_one_segment() -> None:
    plan = plan_run(RunRequest(), STARTED, customer_estimate=0, default_chunk_size=500)
    assert plan.model_dump() == {
        "as_of": "2025-03",
        "chunk_size": 500,
        "customer_estimate": 0,
        "chunks": [{"segment": 0, "total_segments": 1}],
        "traceparent": None,  # the plan task sets its span's; the state machine hands it to every chunk
    }


@pytest.mark.parametrize(("customers", "segments"), [(1, 1), (500, 1), (501, 2), (1000, 2), (1001, 3)])
def test_one_segment_per_chunk_of_customers_rounded_up(customers: int, segments: int) -> None:
    plan = plan_run(RunRequest(), STARTED, customers, default_chunk_size=500)
    assert [chunk.segment for chunk in plan.chunks] == list(range(segments))
    assert {chunk.total_segments for chunk in plan.chunks} == {segments}


def test_segments_are_capped() -> None:
    plan = plan_run(RunRequest(chunk_size=1), STARTED, 5_000_000, default_chunk_size=500)
    assert len(plan.chunks) == MAX_SEGMENTS == 1000


def test_request_overrides_month_and_chunk_size() -> None:
    plan = plan_run(RunRequest(as_of="2024-12", chunk_size=10), STARTED, 31, default_chunk_size=500)
    assert (plan.as_of, plan.chunk_size, len(plan.chunks)) == ("2024-12", 10, 4)


def test_month_comes_from_the_start_time_in_utc() -> None:
    task = PlanChunksTask.model_validate(
        {"task": "plan_chunks", "request": {}, "started_at": "2025-04-01T01:30:00.000+02:00"}
    )
    assert plan_run(RunRequest(), task.started_at, 10, 500).as_of == "2025-03"


@pytest.mark.parametrize(
    "request_input",
    [{"as_of": "2025-13"}, {"as_of": "2025-3"}, {"as_of": "March"}, {"chunk_size": 0}, {"chunk_size": 10_001}],
)
def test_invalid_requests_are_refused(request_input: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        RunRequest.model_validate(request_input)


def test_unknown_request_fields_are_ignored() -> None:
    assert RunRequest.model_validate({"chunk_size": 10, "comment": "manual rerun"}).chunk_size == 10
