"""What a chunk reports and how the run's summary adds the chunks up, failed ones included."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from shop_loyalty.tiers.rules import TierChange
from shop_shared.contracts import LoyaltyTier

__all__ = ["TIERS", "ChangeTally", "ChunkResult", "FailedChunk", "RunSummary", "summarise"]

TIERS: tuple[LoyaltyTier, ...] = ("BRONZE", "SILVER", "GOLD", "PLATINUM")


def _no_changes() -> dict[str, int]:
    return dict.fromkeys(TIERS, 0)


class ChangeTally(BaseModel):
    """Tier changes counted by new tier, and how many were upgrades or downgrades."""

    tier_changes: dict[str, int] = Field(default_factory=_no_changes)
    upgrades: int = 0
    downgrades: int = 0

    def add(self, change: TierChange) -> None:
        self.tier_changes[change.new_tier] = self.tier_changes.get(change.new_tier, 0) + 1
        if change.is_upgrade:
            self.upgrades += 1
        else:
            self.downgrades += 1

    def merge(self, other: ChangeTally) -> None:
        for tier, count in other.tier_changes.items():
            self.tier_changes[tier] = self.tier_changes.get(tier, 0) + count
        self.upgrades += other.upgrades
        self.downgrades += other.downgrades


class ChunkResult(ChangeTally):
    """The output of `recompute_tiers` for one segment."""

    model_config = ConfigDict(extra="ignore")

    segment: int = Field(ge=0)
    customers: int = Field(ge=0)
    phase_seconds: dict[str, float] = Field(default_factory=dict)


class FailedChunk(BaseModel):
    """A chunk whose retries were used up; the state machine's Catch records it in this shape."""

    model_config = ConfigDict(extra="ignore")

    failed: bool = True
    segment: int
    total_segments: int | None = None
    error: str = "unknown"
    cause: str | None = None


class FailedChunkReport(BaseModel):
    segment: int
    error: str


class RunSummary(BaseModel):
    as_of: str
    customers_processed: int
    tier_changes: dict[str, int]
    upgrades: int
    downgrades: int
    chunks: int
    failed_chunks: list[FailedChunkReport]
    duration_seconds: float
    # Worker time per phase (read, compute, write, publish), summed over the chunks that ran in parallel.
    phase_seconds: dict[str, float] = Field(default_factory=dict)


def summarise(
    as_of: str, started_at: datetime, now: datetime, chunk_results: Iterable[Mapping[str, Any]]
) -> RunSummary:
    tally = ChangeTally()
    customers = 0
    chunks = 0
    failed: list[FailedChunkReport] = []
    phases: dict[str, float] = {}
    for raw in chunk_results:
        chunks += 1
        if raw.get("failed"):
            chunk_failure = FailedChunk.model_validate(raw)
            failed.append(FailedChunkReport(segment=chunk_failure.segment, error=chunk_failure.error))
            continue
        chunk = ChunkResult.model_validate(raw)
        customers += chunk.customers
        tally.merge(chunk)
        for phase, seconds in chunk.phase_seconds.items():
            phases[phase] = phases.get(phase, 0.0) + seconds
    return RunSummary(
        as_of=as_of,
        customers_processed=customers,
        tier_changes=tally.tier_changes,
        upgrades=tally.upgrades,
        downgrades=tally.downgrades,
        chunks=chunks,
        failed_chunks=sorted(failed, key=lambda report: report.segment),
        duration_seconds=round(max(0.0, (now - started_at).total_seconds()), 3),
        phase_seconds={phase: round(seconds, 3) for phase, seconds in phases.items()},
    )
