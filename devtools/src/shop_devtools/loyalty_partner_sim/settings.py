"""Settings of the simulated loyalty partner (env prefix PARTNER_SIM_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shop_devtools.third_party_sim import ThirdPartySimSettings

__all__ = ["PartnerSimSettings"]


class PartnerSimSettings(ThirdPartySimSettings):
    model_config = SettingsConfigDict(env_prefix="PARTNER_SIM_", frozen=True, extra="ignore")

    port: int = Field(default=8011, ge=1, le=65535)
    latency_ms: int = Field(default=200, ge=0, description="Added to every request, like a slow third party.")
