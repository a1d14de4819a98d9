"""Runs the simulated payment provider: `python -m shop_devtools.payment_provider_sim`."""

from __future__ import annotations

from shop_devtools.third_party_sim import serve_sim

from .app import create_app
from .settings import ProviderSimSettings


def main() -> None:
    serve_sim(create_app, ProviderSimSettings(), "payment-provider")


if __name__ == "__main__":
    main()
