"""Runs the loyalty service: `python -m shop_loyalty`."""

from __future__ import annotations

from shop_shared.http import serve

from shop_loyalty.entrypoints.api import create_app
from shop_loyalty.settings import LoyaltySettings


def main() -> None:
    settings = LoyaltySettings()
    serve(create_app, settings, "loyalty")


if __name__ == "__main__":
    main()
