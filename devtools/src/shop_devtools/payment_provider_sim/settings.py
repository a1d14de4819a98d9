"""Settings of the simulated payment provider (env prefix PROVIDER_SIM_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shop_devtools.third_party_sim import ThirdPartySimSettings

__all__ = ["ProviderSimSettings"]


class ProviderSimSettings(ThirdPartySimSettings):
    model_config = SettingsConfigDict(env_prefix="PROVIDER_SIM_", frozen=True, extra="ignore")

    port: int = Field(default=8010, ge=1, le=65535)
    rate_limit_rate: float = Field(
        default=0.0, ge=0.0, le=1.0, description="Share of charge requests answered 429 with Retry-After: 1."
    )
