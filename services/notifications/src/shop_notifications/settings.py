"""Settings of the notifications service (environment variables prefixed NOTIFICATIONS_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from shop_shared.settings import QueueConsumerSettings

__all__ = ["NotificationsSettings"]


class NotificationsSettings(QueueConsumerSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_")

    port: int = Field(default=8003, ge=1, le=65535)
    events_queue: str = Field(description="SQS queue (name) fed by the order, payment and tier rules.")
    table: str = Field(description="Notification records: hash customer_id, range notification_id.")
    contacts_table: str = Field(description="Encrypted contact per customer: hash customer_id.")
    contact_key_id: str = Field(description="KMS key (alias) the contact ciphertexts are encrypted with.")
    email_sender: str = Field(description="SES-verified sender address of customer e-mail.")
    sending_lease_seconds: float = Field(
        default=30.0,
        gt=0,
        description="How long a SENDING claim blocks other deliveries; keep it below the queue's visibility timeout.",
    )
