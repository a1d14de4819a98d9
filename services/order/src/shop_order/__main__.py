"""Runs the order API with uvicorn: `python -m shop_order`."""

from __future__ import annotations

from shop_shared.http import serve

from .entrypoints.api import create_app
from .settings import OrderSettings


def main() -> None:
    settings = OrderSettings()  # resource names come from the environment
    serve(create_app, settings, "order")


if __name__ == "__main__":
    main()
