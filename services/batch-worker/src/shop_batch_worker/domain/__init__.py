"""The batch worker's domain: task inputs and outputs, chunk planning and the run summary."""

from .events import TIER_CHANGED_NAMESPACE, tier_changed_envelope, tier_changed_event_id
from .planning import MAX_SEGMENTS, RunPlan, RunRequest, plan_run
from .summary import ChangeTally, ChunkResult, FailedChunk, RunSummary, summarise
from .tasks import PlanChunksTask, RecomputeTiersTask, SummariseRunTask

__all__ = [
    "MAX_SEGMENTS",
    "TIER_CHANGED_NAMESPACE",
    "ChangeTally",
    "ChunkResult",
    "FailedChunk",
    "PlanChunksTask",
    "RecomputeTiersTask",
    "RunPlan",
    "RunRequest",
    "RunSummary",
    "SummariseRunTask",
    "plan_run",
    "summarise",
    "tier_changed_envelope",
    "tier_changed_event_id",
]
