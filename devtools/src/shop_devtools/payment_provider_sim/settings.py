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
    timeout_after_charge_rate: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="Share of successful charges whose answer is lost: the money is taken, then the answer comes "
        "after late_answer_ms (past the client's read timeout) or the connection is dropped (drop_share of them).",
    )
    late_answer_ms: int = Field(default=15_000, ge=0, description="Past the payment service's 10 s read timeout.")
    drop_share: float = Field(
        default=0.5, ge=0.0, le=1.0, description="Of the lost answers, the share dropped rather than sent late."
    )
