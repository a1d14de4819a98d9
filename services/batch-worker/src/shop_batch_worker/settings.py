"""Settings of the batch worker, read from BATCH_* environment variables."""

from __future__ import annotations

import os
import socket

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from shop_shared.settings import ServiceSettings

__all__ = ["BatchSettings"]


def default_worker_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class BatchSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BATCH_", frozen=True, extra="ignore")

    port: int = Field(default=8004, ge=1, le=65535)
    activity_arn: str = Field(description="The Step Functions activity the pool long-polls.")
    state_machine_arn: str | None = Field(
        default=None, description="The monthly tier run (started by its schedule or an operator, not by the pool)."
    )
    event_bus_name: str = Field(description="EventBridge bus that receives loyalty.tier_changed.")
    accounts_table: str = Field(description="The loyalty accounts table (owned by the loyalty context).")
    outbox_table: str = Field(description="The loyalty outbox table of the tier events.")
    max_concurrent_tasks: int = Field(default=4, ge=1, le=64)
    # LocalStack can answer InvalidToken to a heartbeat sent right after a task was received.
    heartbeat_interval_seconds: float = Field(default=10.0, ge=1.0)
    default_chunk_size: int = Field(default=500, ge=1, le=10_000)
    max_parallel_writes: int = Field(default=10, ge=1, le=100, description="Tier-change transactions in flight.")
    worker_name: str = Field(default_factory=default_worker_name, min_length=1, max_length=80)
