"""The inputs the state machine sends to the activity, one model per task kind (loyalty_tiers.asl.json)."""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from shop_loyalty.tiers.rules import Month
from shop_shared.contracts.envelope import TRACEPARENT_PATTERN

from .planning import MAX_SEGMENTS

__all__ = ["PlanChunksTask", "RecomputeTiersTask", "SummariseRunTask"]


class PlanChunksTask(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    task: Literal["plan_chunks"]
    request: dict[str, Any] = Field(description="The execution input, validated as a RunRequest.")
    started_at: AwareDatetime
    run_id: str | None = Field(default=None, min_length=1, description="The execution name (for the trace).")


class RecomputeTiersTask(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    task: Literal["recompute_tiers"]
    segment: int = Field(ge=0)
    total_segments: int = Field(ge=1, le=MAX_SEGMENTS)
    as_of: Month
    run_id: str = Field(min_length=1, description="The execution name: the correlation id of the tier events.")
    traceparent: str | None = Field(default=None, pattern=TRACEPARENT_PATTERN, description="The run's trace.")

    @model_validator(mode="after")
    def _segment_in_range(self) -> Self:
        if self.segment >= self.total_segments:
            raise ValueError(f"segment {self.segment} is not below total_segments {self.total_segments}")
        return self


class SummariseRunTask(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    task: Literal["summarise_run"]
    run_id: str | None = Field(default=None, min_length=1, description="The execution name (for the trace).")
    as_of: Month
    started_at: AwareDatetime
    chunk_results: list[dict[str, Any]]
    traceparent: str | None = Field(default=None, pattern=TRACEPARENT_PATTERN, description="The run's trace.")
