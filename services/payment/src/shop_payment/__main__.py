"""Runs the payment service: `python -m shop_payment`."""

from __future__ import annotations

from shop_shared.http import serve

from .entrypoints.api import create_app
from .settings import PaymentSettings


def main() -> None:
    settings = PaymentSettings()  # resource names come from the environment
    serve(create_app, settings, "payment")


if __name__ == "__main__":
    main()
