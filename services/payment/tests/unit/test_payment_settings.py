"""Settings of the payment service: the resilience knobs, their defaults and their environment names."""

from __future__ import annotations

import pytest
from shop_payment.settings import PaymentSettings

RESOURCES = {
    "PAYMENT_EVENT_BUS_NAME": "bus",
    "PAYMENT_PAYMENTS_TABLE": "payments",
    "PAYMENT_OUTBOX_TABLE": "payment-outbox",
    "PAYMENT_API_KEY_SECRET_ID": "payment-events-api-key",
    "PAYMENT_PROVIDER_URL": "http://provider.invalid",
}


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in RESOURCES.items():
        monkeypatch.setenv(name, value)
    settings = PaymentSettings()

    assert settings.provider_rate_limit_per_second == 20
    assert (settings.provider_circuit_failure_threshold, settings.provider_circuit_recovery_seconds) == (5, 30)
    assert settings.due_sweep_interval_seconds == 5
    assert (settings.lease_seconds, settings.step_timeout_seconds) == (180, 165)
    assert (settings.give_up_after_seconds, settings.late_charge_audit_after_seconds) == (3600, 900)
    assert settings.api_key_reread_interval_seconds == 30
    assert settings.api_key_previous_grace.total_seconds() == 900


def test_the_resilience_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        **RESOURCES,
        "PAYMENT_PROVIDER_RATE_LIMIT_PER_SECOND": "7.5",
        "PAYMENT_PROVIDER_CIRCUIT_FAILURE_THRESHOLD": "3",
        "PAYMENT_PROVIDER_CIRCUIT_RECOVERY_SECONDS": "2",
        "PAYMENT_DUE_SWEEP_INTERVAL_SECONDS": "4",
        "PAYMENT_LEASE_SECONDS": "40",
        "PAYMENT_API_KEY_PREVIOUS_GRACE_SECONDS": "120",
    }.items():
        monkeypatch.setenv(name, value)
    settings = PaymentSettings()

    assert settings.api_key_previous_grace.total_seconds() == 120

    assert settings.provider_rate_limit_per_second == 7.5
    assert (settings.provider_circuit_failure_threshold, settings.provider_circuit_recovery_seconds) == (3, 2)
    assert (settings.due_sweep_interval_seconds, settings.lease_seconds) == (4, 40)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PAYMENT_PROVIDER_RATE_LIMIT_PER_SECOND", "0"),
        ("PAYMENT_PROVIDER_CIRCUIT_FAILURE_THRESHOLD", "0"),
        ("PAYMENT_DUE_SWEEP_INTERVAL_SECONDS", "0"),
        ("PAYMENT_API_KEY_PREVIOUS_GRACE_SECONDS", "-1"),
    ],
)
def test_nonsense_values_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    for variable, setting in {**RESOURCES, name: value}.items():
        monkeypatch.setenv(variable, setting)

    with pytest.raises(ValueError, match=name.removeprefix("PAYMENT_").lower()):
        PaymentSettings()


def test_a_lease_too_short_for_one_provider_attempt_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # connect 2 s + read 10 s = 12 s per attempt; 20 s - 15 s margin leaves 5 s: another worker could take
    # the payment over while our request is still out.
    for variable, setting in {**RESOURCES, "PAYMENT_LEASE_SECONDS": "20"}.items():
        monkeypatch.setenv(variable, setting)

    with pytest.raises(ValueError, match="must allow one provider attempt"):
        PaymentSettings()
