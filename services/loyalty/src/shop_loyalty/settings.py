"""Settings of the loyalty service, read from LOYALTY_* environment variables (and the shared AUTH_* ones)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from shop_shared.auth import AuthSettings
from shop_shared.settings import QueueConsumerSettings

__all__ = ["LoyaltySettings"]


class LoyaltySettings(QueueConsumerSettings, AuthSettings):
    model_config = SettingsConfigDict(env_prefix="LOYALTY_", frozen=True, extra="ignore")

    port: int = Field(default=8002, ge=1, le=65535)
    order_events_queue: str = Field(
        description="SQS queue (name) the order.created and payment.failed rules deliver into."
    )
    accounts_table: str = Field(description="DynamoDB table of loyalty accounts (hash key customer_id).")
    ledger_table: str = Field(description="DynamoDB table of credits and reversals (hash key order_id).")
    partner_url: str = Field(
        default="http://127.0.0.1:8011",
        description="Base URL of the loyalty partner's API, told about every credit and reversal.",
    )
    partner_connect_timeout_seconds: float = Field(default=2.0, gt=0)
    partner_read_timeout_seconds: float = Field(default=5.0, gt=0)
    partner_max_attempts: int = Field(default=4, ge=1, le=20, description="Tries per message; then it is redelivered.")
    partner_backoff_initial_seconds: float = Field(default=0.2, ge=0)
    partner_backoff_max_seconds: float = Field(default=2.0, ge=0)
    credit_max_attempts: int = Field(
        default=5, ge=1, le=20, description="Tries of a credit or reversal lost to a concurrent write."
    )
