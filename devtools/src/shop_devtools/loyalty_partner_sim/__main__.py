"""Runs the simulated loyalty partner: `python -m shop_devtools.loyalty_partner_sim`."""

from __future__ import annotations

from shop_devtools.third_party_sim import serve_sim

from .app import create_app
from .settings import PartnerSimSettings


def main() -> None:
    serve_sim(create_app, PartnerSimSettings(), "loyalty-partner")


if __name__ == "__main__":
    main()
