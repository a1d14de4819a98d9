"""Runs the simulated payment provider: `python -m shop_devtools.payment_provider_sim`."""

from __future__ import annotations

import uvicorn
from shop_shared.observability import configure_logging

from .app import create_app
from .settings import ProviderSimSettings


def main() -> None:
    settings = ProviderSimSettings()
    configure_logging("payment-provider", settings.log_level)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None)


if __name__ == "__main__":
    main()
