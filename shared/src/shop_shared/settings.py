"""Settings every service has; each service subclasses this once with its own env prefix."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

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
    # Tracing (shop_shared.observability.tracing). The sampler and the OTLP endpoint are OpenTelemetry's own
    # standard variables (OTEL_TRACES_SAMPLER, OTEL_EXPORTER_OTLP_ENDPOINT, ...), read by the SDK itself.
    traces_exporter: Literal["otlp", "file", "none"] = Field(
        default="none",
        validation_alias="OTEL_TRACES_EXPORTER",
        description="otlp: to OTEL_EXPORTER_OTLP_ENDPOINT (ADOT on ECS, Jaeger in compose); file: OTLP JSON lines "
        "to TRACES_FILE (the local runtime, read by `make trace`); none: nothing recorded, contexts still pass on.",
    )
    traces_file: Path | None = Field(default=None, validation_alias="TRACES_FILE")


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
