"""Runs the loyalty service: `python -m shop_loyalty`."""

from __future__ import annotations

import uvicorn
from shop_shared.observability import configure_logging

from shop_loyalty.entrypoints.api import create_app
from shop_loyalty.settings import LoyaltySettings


def main() -> None:
    settings = LoyaltySettings()  # type: ignore[call-arg]  # required fields come from the environment
    configure_logging("loyalty", settings.log_level)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None)


if __name__ == "__main__":
    main()
