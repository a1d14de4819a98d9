"""Runs the simulated loyalty partner: `python -m shop_devtools.loyalty_partner_sim`."""

from __future__ import annotations

import uvicorn
from shop_shared.observability import configure_logging

from .app import create_app
from .settings import PartnerSimSettings


def main() -> None:
    settings = PartnerSimSettings()
    configure_logging("loyalty-partner", settings.log_level)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None)


if __name__ == "__main__":
    main()
