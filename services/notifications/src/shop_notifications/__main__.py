"""Runs the notifications service: `python -m shop_notifications`."""

from __future__ import annotations

from shop_shared.http import serve

from shop_notifications.entrypoints.api import create_app
from shop_notifications.settings import NotificationsSettings


def main() -> None:
    settings = NotificationsSettings()
    serve(create_app, settings, "notifications")


if __name__ == "__main__":
    main()
