"""Runs the synchronous baseline with uvicorn: `python -m shop_devtools.sync_baseline` (benchmark fixture only)."""

from __future__ import annotations

from shop_shared.http import serve

from .app import create_app
from .settings import SyncBaselineSettings


def main() -> None:
    serve(create_app, SyncBaselineSettings(), "sync-baseline")


if __name__ == "__main__":
    main()
