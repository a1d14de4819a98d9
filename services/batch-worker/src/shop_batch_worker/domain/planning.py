"""Planning a run: which month it qualifies for and how the accounts table is cut into scan segments."""

from __future__ import annotations

import math
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from shop_loyalty.tiers.rules import Month, month_of

__all__ = ["MAX_SEGMENTS", "Chunk", "RunPlan", "RunRequest", "plan_run"]

# One Map iteration per segment: this bounds the execution history (and its cost), not the customers.
MAX_SEGMENTS = 1000
MAX_CHUNK_SIZE = 10_000


class RunRequest(BaseModel):
    """The execution input; both fields are optional, unknown fields (a schedule's metadata) are ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    as_of: Month | None = Field(default=None, description="Qualify for this month instead of the run's start month.")
    chunk_size: int | None = Field(default=None, ge=1, le=MAX_CHUNK_SIZE, description="Customers per chunk.")


class Chunk(BaseModel):
    """A DynamoDB parallel-scan segment: no customer id travels through Step Functions."""

    model_config = ConfigDict(frozen=True)

    segment: int = Field(ge=0)
    total_segments: int = Field(ge=1)


class RunPlan(BaseModel):
    model_config = ConfigDict(frozen=True)

    as_of: Month
    chunk_size: int
    customer_estimate: int
    chunks: list[Chunk]
    # The plan task's trace; the state machine hands it to every chunk and the summary: one run, one trace.
    traceparent: str | None = None


def plan_run(request: RunRequest, started_at: datetime, customer_estimate: int, default_chunk_size: int) -> RunPlan:
    """One segment per `chunk_size` estimated customers, at least one (an empty table), at most MAX_SEGMENTS."""
    as_of = request.as_of or month_of(started_at)
    chunk_size = request.chunk_size or default_chunk_size
    total = min(MAX_SEGMENTS, max(1, math.ceil(max(0, customer_estimate) / chunk_size)))
    return RunPlan(
        as_of=as_of,
        chunk_size=chunk_size,
        customer_estimate=customer_estimate,
        chunks=[Chunk(segment=segment, total_segments=total) for segment in range(total)],
    )
