"""Runs the order API with uvicorn: `python -m shop_order`."""

from __future__ import annotations

import uvicorn
from shop_shared.observability import configure_logging

from .entrypoints.api import create_app
from .settings import OrderSettings


def main() -> None:
    settings = OrderSettings()  # type: ignore[call-arg]  # resource names come from the environment
    configure_logging("order", settings.log_level)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None)


if __name__ == "__main__":
    main()
