"""Settings: every variable the topology gives the service maps onto a field, with port 8003 by default;
the claim lease outlives the longest send and fits the queue's visibility timeout."""

import pytest
from pydantic import ValidationError
from shop_notifications.domain.notification import SENDING_LEASE_MARGIN
from shop_notifications.settings import NotificationsSettings
from shop_shared.topology import load_topology


@pytest.fixture
def topology_environment(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    variables = list(load_topology().services["notifications"])
    for variable in variables:
        monkeypatch.setenv(variable, f"value-of-{variable}")
    # Not resources of the topology: the deployment names the identity provider (shop_shared.auth).
    monkeypatch.setenv("AUTH_ISSUER", "https://issuer.shop.test")
    monkeypatch.setenv("AUTH_AUDIENCE", "shop")
    return variables


def test_settings_read_exactly_the_variables_of_the_topology(topology_environment: list[str]) -> None:
    settings = NotificationsSettings()  # type: ignore[call-arg]

    for variable in topology_environment:
        field = variable.removeprefix("NOTIFICATIONS_").lower()
        assert getattr(settings, field) == f"value-of-{variable}"
    assert settings.port == 8003


def test_the_default_lease_outlives_the_send_and_fits_the_visibility_timeout(topology_environment: list[str]) -> None:
    settings = NotificationsSettings()  # type: ignore[call-arg]
    visibility = load_topology().queues["notifications-events"].visibility_timeout_seconds

    assert settings.sending_lease >= settings.send_timeout + SENDING_LEASE_MARGIN
    # The heartbeat extends visibility every half timeout, so after a crash the message can come back as soon
    # as half a timeout after the claim: a lease no longer than that lets the first redelivery settle it.
    assert settings.sending_lease_seconds <= visibility / 2


def test_a_lease_shorter_than_the_send_fails_at_startup(
    topology_environment: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFICATIONS_SEND_TIMEOUT_SECONDS", "25")

    with pytest.raises(ValidationError, match=r"NOTIFICATIONS_SENDING_LEASE_SECONDS \(30\) must be at least"):
        NotificationsSettings()  # type: ignore[call-arg]

    monkeypatch.setenv("NOTIFICATIONS_SENDING_LEASE_SECONDS", "35")
    assert NotificationsSettings().sending_lease_seconds == 35  # type: ignore[call-arg]


def test_the_destination_cap_defaults_to_ten_an_hour(
    topology_environment: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert NotificationsSettings().destination_cap(b"k" * 32).messages_per_hour == 10  # type: ignore[call-arg]

    monkeypatch.setenv("NOTIFICATIONS_DESTINATION_CAP_PER_HOUR", "3")
    assert NotificationsSettings().destination_cap(b"k" * 32).messages_per_hour == 3  # type: ignore[call-arg]

    monkeypatch.setenv("NOTIFICATIONS_DESTINATION_CAP_PER_HOUR", "0")
    with pytest.raises(ValidationError, match="destination_cap_per_hour"):
        NotificationsSettings()  # type: ignore[call-arg]
