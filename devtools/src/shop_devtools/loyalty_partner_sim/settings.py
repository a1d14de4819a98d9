"""Settings of the simulated loyalty partner (env prefix PARTNER_SIM_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["PartnerSimSettings"]


class PartnerSimSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PARTNER_SIM_", frozen=True, extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8011, ge=1, le=65535)
    log_level: str = "INFO"
    latency_ms: int = Field(default=200, ge=0, description="Added to every credit request, like a slow third party.")
    error_rate: float = Field(default=0.0, ge=0.0, le=1.0, description="Share of credit requests answered 500.")
    seed: int | None = Field(default=None, description="Makes the injected failures reproducible.")
