"""Settings of the payment service (env prefix PAYMENT_)."""

from __future__ import annotations

from datetime import timedelta
from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict
from shop_shared.settings import ServiceSettings

__all__ = ["PaymentSettings"]


class PaymentSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PAYMENT_")

    port: int = Field(default=8001, ge=1, le=65535)
    # Resources, named exactly as the topology's `services.payment` environment.
    event_bus_name: str
    payments_table: str
    outbox_table: str
    api_key_secret_id: str

    api_key_header: str = "x-api-key"
    api_key_reread_interval_seconds: float = Field(
        default=30.0, ge=0, description="The secret is re-read once the keys held are this old (picks up a rotation)."
    )
    api_key_previous_grace_seconds: float = Field(
        default=900.0,
        ge=0,
        description=(
            "How long after a rotation (the current version's CreatedDate) the previous key is still accepted: "
            "time for the EventBridge connection to be updated and to send the new key, then it is refused."
        ),
    )
    max_event_bytes: int = Field(default=256 * 1024, description="EventBridge's own limit for one event.")

    provider_url: str = Field(description="Base URL of the payment provider's API.")
    provider_connect_timeout_seconds: float = Field(default=2.0, gt=0)
    provider_read_timeout_seconds: float = Field(default=10.0, gt=0)
    provider_max_attempts: int = Field(default=5, ge=1)
    provider_backoff_initial_seconds: float = Field(default=0.5, ge=0)
    provider_backoff_max_seconds: float = Field(default=10.0, ge=0)
    provider_max_retry_after_seconds: float = Field(
        default=30.0, ge=0, description="A longer Retry-After is cut to this, so one payment cannot stall forever."
    )
    provider_rate_limit_per_second: float = Field(
        default=20.0, gt=0, description="Attempts (first tries and retries) sent to the provider per second at most."
    )
    provider_circuit_failure_threshold: int = Field(
        default=5, ge=1, description="Consecutive failed attempts (timeouts, connection errors, 5xx) that open it."
    )
    provider_circuit_recovery_seconds: float = Field(
        default=30.0, gt=0, description="How long an open circuit refuses attempts before it lets one through."
    )
    max_concurrent_payments: int = Field(
        default=20, ge=1, description="Charges in flight at once (the provider is slow)."
    )
    due_sweep_interval_seconds: float = Field(
        default=5.0,
        gt=0,
        description="How often the sweep looks for due work (deferred, UNKNOWN, audits, expired leases) when idle.",
    )
    lease_seconds: float = Field(
        default=180.0,
        gt=0,
        description="How long one worker owns a payment for one step; another worker may take it over after.",
    )
    lease_safety_margin_seconds: float = Field(
        default=15.0, ge=0, description="Each step's provider calls end this long before the lease does."
    )
    retry_backoff_initial_seconds: float = Field(
        default=5.0, gt=0, description="Wait before the next step of a deferred or UNKNOWN payment; doubles."
    )
    retry_backoff_max_seconds: float = Field(default=300.0, gt=0)
    give_up_after_seconds: float = Field(
        default=3600.0,
        gt=0,
        description="A payment this old with no charge at the provider fails (provider_unavailable).",
    )
    late_charge_audit_after_seconds: float = Field(
        default=900.0,
        ge=0,
        description="A payment given up after an ambiguous answer is looked up once more this long after.",
    )

    outbox_sweep_interval_seconds: float = Field(default=5.0, gt=0)

    @property
    def api_key_previous_grace(self) -> timedelta:
        return timedelta(seconds=self.api_key_previous_grace_seconds)

    @property
    def step_timeout_seconds(self) -> float:
        return self.lease_seconds - self.lease_safety_margin_seconds

    @model_validator(mode="after")
    def _lease_outlives_a_provider_attempt(self) -> Self:
        # Each step is cut off at step_timeout_seconds (before the lease ends, so no other worker takes the
        # payment over while a request of ours is out); that must leave room for at least one whole attempt.
        one_attempt = self.provider_connect_timeout_seconds + self.provider_read_timeout_seconds
        if self.step_timeout_seconds < one_attempt:
            raise ValueError(
                f"lease_seconds - lease_safety_margin_seconds ({self.step_timeout_seconds}s) must allow one provider "
                f"attempt (connect + read timeout: {one_attempt}s)"
            )
        return self
