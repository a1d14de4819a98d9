"""The batch worker's only HTTP endpoint is its health check; the worker pool runs in the lifespan."""

from __future__ import annotations

from fastapi import FastAPI
from shop_shared.composition import Bootstrap
from shop_shared.http import create_service_app

from shop_batch_worker.bootstrap import BatchWorkerContainer, bootstrap
from shop_batch_worker.settings import BatchSettings

__all__ = ["create_app"]


def create_app(
    settings: BatchSettings, *, build: Bootstrap[BatchSettings, BatchWorkerContainer] = bootstrap
) -> FastAPI:
    # On shutdown running tasks finish within the grace period; the pool takes no new ones.
    return create_service_app(settings, title="batch-worker", version="1.0.0", build=build)
