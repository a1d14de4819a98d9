"""Settings of the notifications service (environment variables prefixed NOTIFICATIONS_, and the shared AUTH_* ones)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict
from shop_shared.auth import AuthSettings
from shop_shared.settings import QueueConsumerSettings

from shop_notifications.domain.destination_cap import DestinationCap
from shop_notifications.domain.notification import SENDING_LEASE_MARGIN, lease_outlives_send

__all__ = ["NotificationsSettings"]


class NotificationsSettings(QueueConsumerSettings, AuthSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_")

    port: int = Field(default=8003, ge=1, le=65535)
    events_queue: str = Field(description="SQS queue (name) fed by the order, payment and tier rules.")
    table: str = Field(description="Notification records: hash customer_id, range notification_id.")
    contacts_table: str = Field(description="Encrypted contact per customer: hash customer_id.")
    destination_counts_table: str = Field(
        description="Messages per destination and hour: hash destination_window (a keyed digest, never the address)."
    )
    destination_key_secret_id: str = Field(
        description="Secrets Manager secret holding the HMAC key of the destination digests (read once at start)."
    )
    destination_cap_per_hour: int = Field(
        default=10,
        ge=1,
        le=1000,
        description=(
            "Messages to one phone number or e-mail address per clock hour, across all customers; more are "
            "recorded SUPPRESSED and not sent."
        ),
    )
    contact_key_id: str = Field(description="KMS key (alias) the contact ciphertexts are encrypted with.")
    email_sender: str = Field(description="SES-verified sender address of customer e-mail.")
    send_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="Longest one SMS or e-mail send may take; a send cut off here has an unknown outcome.",
    )
    sending_lease_seconds: float = Field(
        default=30.0,
        gt=0,
        description=(
            "How long a SENDING claim blocks other deliveries: at least the send timeout plus "
            f"{SENDING_LEASE_MARGIN.total_seconds():.0f} s, at most half the queue's visibility timeout."
        ),
    )

    @model_validator(mode="after")
    def _lease_outlives_send(self) -> NotificationsSettings:
        # A lease shorter than a send lets a duplicate delivery take the claim over and send in parallel.
        if not lease_outlives_send(timedelta(seconds=self.sending_lease_seconds), self.send_timeout):
            raise ValueError(
                f"NOTIFICATIONS_SENDING_LEASE_SECONDS ({self.sending_lease_seconds:g}) must be at least "
                f"NOTIFICATIONS_SEND_TIMEOUT_SECONDS ({self.send_timeout_seconds:g}) + "
                f"{SENDING_LEASE_MARGIN.total_seconds():g} s, or a duplicate delivery may send while a slow "
                "send is still under way"
            )
        return self

    def destination_cap(self, digest_key: bytes) -> DestinationCap:
        return DestinationCap(messages_per_hour=self.destination_cap_per_hour, digest_key=digest_key)

    @property
    def send_timeout(self) -> timedelta:
        return timedelta(seconds=self.send_timeout_seconds)

    @property
    def sending_lease(self) -> timedelta:
        return timedelta(seconds=self.sending_lease_seconds)
