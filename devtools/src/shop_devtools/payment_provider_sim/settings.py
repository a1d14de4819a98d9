"""Settings of the simulated payment provider (env prefix PROVIDER_SIM_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["ProviderSimSettings"]


class ProviderSimSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PROVIDER_SIM_", frozen=True, extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8010, ge=1, le=65535)
    log_level: str = "INFO"
    latency_ms: int = Field(default=50, ge=0, description="Added to every charge request, like a slow third party.")
    error_rate: float = Field(default=0.0, ge=0.0, le=1.0, description="Share of charge requests answered 500.")
    rate_limit_rate: float = Field(
        default=0.0, ge=0.0, le=1.0, description="Share of charge requests answered 429 with Retry-After: 1."
    )
    seed: int | None = Field(default=None, description="Makes the injected faults reproducible.")
