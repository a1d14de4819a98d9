"""Settings of the synchronous baseline (env prefix SYNC_BASELINE_), given by the benchmark that starts it."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from shop_shared.settings import ServiceSettings

__all__ = ["SyncBaselineSettings"]


class SyncBaselineSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SYNC_BASELINE_", frozen=True, extra="ignore")

    port: int = Field(default=8020, ge=1, le=65535)
    orders_table: str = Field(min_length=1, description="DynamoDB table the benchmark created (hash key order_id).")
    contact_key_id: str = Field(min_length=1, description="KMS key (alias) for contacts: the order service's key.")
    provider_url: str = Field(description="Base URL of the payment provider (simulator).")
    partner_url: str = Field(description="Base URL of the loyalty partner (simulator).")
    slots: int = Field(
        default=8,
        ge=0,
        description=(
            "Checkouts handled at once; the others wait for a slot (0: no limit). A synchronous server has a "
            "finite pool of workers (threads, processes, connections): the resource a slow partner uses up."
        ),
    )
    call_timeout_seconds: float = Field(default=10.0, gt=0, description="Read timeout of each third-party call.")
    shutdown_grace_seconds: float = Field(default=3.0, ge=0)
