"""Settings of the order service, read from ORDER_* environment variables (and the shared AUTH_* ones)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from shop_shared.auth import AuthSettings
from shop_shared.settings import QueueConsumerSettings

from .domain import RateLimit

__all__ = ["OrderSettings"]


class OrderSettings(QueueConsumerSettings, AuthSettings):
    model_config = SettingsConfigDict(env_prefix="ORDER_", frozen=True, extra="ignore")

    port: int = Field(default=8000, ge=1, le=65535)
    # Resource names: exactly the variables topology.yaml gives the order service.
    event_bus_name: str = Field(min_length=1, description="ORDER_EVENT_BUS_NAME: the custom EventBridge bus.")
    orders_table: str = Field(min_length=1, description="ORDER_ORDERS_TABLE: DynamoDB table of orders.")
    outbox_table: str = Field(min_length=1, description="ORDER_OUTBOX_TABLE: DynamoDB table of the outbox.")
    idempotency_table: str = Field(
        min_length=1, description="ORDER_IDEMPOTENCY_TABLE: DynamoDB table of Idempotency-Key records (TTL expires_at)."
    )
    payment_outcomes_queue: str = Field(
        min_length=1, description="ORDER_PAYMENT_OUTCOMES_QUEUE: SQS queue of payment.succeeded/payment.failed."
    )
    contact_key_id: str = Field(min_length=1, description="ORDER_CONTACT_KEY_ID: KMS key (alias) for contacts.")
    rate_limits_table: str = Field(
        min_length=1, description="ORDER_RATE_LIMITS_TABLE: DynamoDB table of order counts per customer and window."
    )
    rate_limit_orders: int = Field(default=10, ge=1, description="Orders one customer may place per window (else 429).")
    rate_limit_window_seconds: int = Field(
        default=60, ge=1, le=86_400, description="The rate limit's window, aligned to the clock (60: each minute)."
    )

    idempotency_ttl_seconds: int = Field(
        default=86_400, ge=60, description="How long an Idempotency-Key stays bound to its first request."
    )
    max_body_bytes: int = Field(default=65_536, ge=1024, description="Largest request body accepted (else 413).")
    events_max_attempts: int = Field(
        default=2,
        ge=1,
        le=10,
        description=(
            "Attempts per PutEvents call. The publish after commit holds the HTTP answer while it retries, and "
            "the outbox sweep retries anyway, so a few attempts are enough."
        ),
    )
    outbox_sweep_interval_seconds: float = Field(default=5.0, gt=0)
    outbox_sweep_min_age_seconds: float = Field(default=5.0, ge=0)

    @property
    def idempotency_ttl(self) -> timedelta:
        return timedelta(seconds=self.idempotency_ttl_seconds)

    @property
    def rate_limit(self) -> RateLimit:
        return RateLimit(orders=self.rate_limit_orders, window=timedelta(seconds=self.rate_limit_window_seconds))
