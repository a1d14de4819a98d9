"""The settings of bearer-token authentication, read from the same plain AUTH_* variables in every service."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = ["ASYMMETRIC_ALGORITHMS", "AuthSettings"]

# Only signatures checked with a public key: an HS* secret would be the issuer's, and `none` is no signature.
ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)


class AuthSettings(BaseSettings):
    """Mixed into a service's settings: `class OrderSettings(QueueConsumerSettings, AuthSettings)`.

    Every field has an explicit env name, so the service's prefix does not apply (AUTH_ISSUER, not ORDER_AUTH_ISSUER);
    in code they are passed by field name (`auth_issuer=...`).
    """

    model_config = SettingsConfigDict(frozen=True, extra="ignore", validate_by_name=True)

    auth_issuer: str = Field(
        min_length=1,
        validation_alias="AUTH_ISSUER",
        description="The `iss` every token must carry: the Cognito user pool URL on AWS, the dev issuer locally.",
    )
    auth_audience: str = Field(
        min_length=1,
        validation_alias="AUTH_AUDIENCE",
        description="The `aud` every token must carry: the Cognito app client id on AWS, `shop` locally.",
    )
    auth_jwks_url: str | None = Field(
        default=None,
        validation_alias="AUTH_JWKS_URL",
        description="The issuer's public keys; unset: `jwks_uri` of {AUTH_ISSUER}/.well-known/openid-configuration.",
    )
    auth_leeway_seconds: int = Field(
        default=30,
        ge=0,
        le=300,
        validation_alias="AUTH_LEEWAY_SECONDS",
        description="Clock skew tolerated on `exp`, `nbf` and `iat`.",
    )
    auth_algorithms: Annotated[tuple[str, ...], NoDecode] = Field(
        default=("RS256",),
        min_length=1,
        validation_alias="AUTH_ALGORITHMS",
        description="Signature algorithms accepted, comma-separated; asymmetric ones only (RS*, PS*, ES*, EdDSA).",
    )
    auth_jwks_refresh_interval_seconds: float = Field(
        default=10.0,
        ge=0,
        validation_alias="AUTH_JWKS_REFRESH_INTERVAL_SECONDS",
        description=(
            "At most one JWKS fetch per this many seconds, whatever kids the tokens name: a flood of made-up key ids "
            "cannot hammer the issuer. A failed fetch is retried after the same interval."
        ),
    )
    auth_jwks_max_age_seconds: float = Field(
        default=300.0,
        gt=0,
        validation_alias="AUTH_JWKS_MAX_AGE_SECONDS",
        description="Keys older than this are fetched again, so a key the issuer withdrew stops being trusted.",
    )
    auth_jwks_timeout_seconds: float = Field(
        default=5.0,
        gt=0,
        le=30,
        validation_alias="AUTH_JWKS_TIMEOUT_SECONDS",
        description="Connect and read timeout of the discovery and JWKS requests.",
    )

    @field_validator("auth_algorithms", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(name.strip() for name in value.split(",") if name.strip())
        return value

    @field_validator("auth_algorithms")
    @classmethod
    def _asymmetric_only(cls, algorithms: tuple[str, ...]) -> tuple[str, ...]:
        refused = [name for name in algorithms if name not in ASYMMETRIC_ALGORITHMS]
        if refused:
            allowed = ", ".join(sorted(ASYMMETRIC_ALGORITHMS))
            raise ValueError(f"AUTH_ALGORITHMS may only name asymmetric algorithms ({allowed}), not {refused}")
        return algorithms
