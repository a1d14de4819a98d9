"""Settings: every variable the topology gives the service maps onto a field, with port 8003 by default."""

import pytest
from shop_notifications.settings import NotificationsSettings
from shop_shared.topology import load_topology


def test_settings_read_exactly_the_variables_of_the_topology(monkeypatch: pytest.MonkeyPatch) -> None:
    variables = load_topology().services["notifications"]
    for variable in variables:
        monkeypatch.setenv(variable, f"value-of-{variable}")

    settings = NotificationsSettings()  # type: ignore[call-arg]

    for variable in variables:
        field = variable.removeprefix("NOTIFICATIONS_").lower()
        assert getattr(settings, field) == f"value-of-{variable}"
    assert settings.port == 8003
    assert settings.sending_lease_seconds < load_topology().queues["notifications-events"].visibility_timeout_seconds
