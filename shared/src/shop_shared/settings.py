"""Settings every service has; each service subclasses this once with its own env prefix."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["QueueConsumerSettings", "ServiceSettings"]


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    aws_region: str = Field(default="us-east-1", validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"))
    host: str = Field(default="127.0.0.1", description="Containers set 0.0.0.0; locally only loopback.")
    port: int = Field(ge=1, le=65535)
    log_level: str = "INFO"
    shutdown_grace_seconds: float = Field(
        default=25.0, description="Time background work gets to finish on SIGTERM (ECS stopTimeout is 30 s)."
    )


class QueueConsumerSettings(ServiceSettings):
    """Settings of a service that consumes an SQS queue."""

    sqs_wait_seconds: int = Field(
        default=20,
        ge=1,
        le=20,
        description="SQS long-poll wait. A stop waits out the poll under way; keep it shorter than the shutdown grace.",
    )
    ecs_agent_uri: str | None = Field(
        default=None,
        validation_alias="ECS_AGENT_URI",
        description="Set by ECS in every task: the agent endpoint for scale-in protection. Unset locally (no-op).",
    )
