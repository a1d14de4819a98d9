"""Runs the batch worker: `python -m shop_batch_worker`."""

from __future__ import annotations

from shop_shared.http import serve

from shop_batch_worker.entrypoints.api import create_app
from shop_batch_worker.settings import BatchSettings


def main() -> None:
    settings = BatchSettings()
    serve(create_app, settings, "batch-worker")


if __name__ == "__main__":
    main()
