"""Settings of the dev OIDC issuer (env prefix DEV_ISSUER_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEV_AUDIENCE", "DevIssuerSettings"]

DEV_AUDIENCE = "shop"  # the `aud` of every local token; on AWS the Cognito app client id


class DevIssuerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DEV_ISSUER_", frozen=True, extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8012, ge=1, le=65535)
    url: str | None = Field(
        default=None,
        description="The `iss` of its tokens and the base of its discovery document (default "
        "http://127.0.0.1:<port>); in compose the name the services reach it by, http://dev-issuer:8012.",
    )
    audience: str = Field(default=DEV_AUDIENCE, min_length=1)
    log_level: str = "INFO"

    @property
    def issuer(self) -> str:
        return (self.url or f"http://127.0.0.1:{self.port}").rstrip("/")
