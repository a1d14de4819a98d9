"""Runs the payment service: `python -m shop_payment`."""

from __future__ import annotations

import uvicorn
from shop_shared.observability import configure_logging

from .entrypoints.api import create_app
from .settings import PaymentSettings


def main() -> None:
    settings = PaymentSettings()
    configure_logging("payment", settings.log_level)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None)


if __name__ == "__main__":
    main()
