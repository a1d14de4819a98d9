"""Runs the notifications service: `python -m shop_notifications`."""

from __future__ import annotations

import uvicorn
from shop_shared.observability import configure_logging

from shop_notifications.entrypoints.api import create_app
from shop_notifications.settings import NotificationsSettings


def main() -> None:
    settings = NotificationsSettings()  # type: ignore[call-arg]  # required fields come from the environment
    configure_logging("notifications", settings.log_level)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None)


if __name__ == "__main__":
    main()
