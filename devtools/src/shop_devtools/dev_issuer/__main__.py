"""Runs the dev OIDC issuer: `python -m shop_devtools.dev_issuer`."""

from __future__ import annotations

import uvicorn
from shop_shared.observability import configure_logging

from .app import create_app
from .settings import DevIssuerSettings


def main() -> None:
    settings = DevIssuerSettings()
    configure_logging("dev-issuer", settings.log_level)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None)


if __name__ == "__main__":
    main()
