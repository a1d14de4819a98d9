"""The batch worker's only HTTP endpoint is its health check; the worker pool runs in the lifespan."""

from __future__ import annotations

from fastapi import FastAPI
from shop_shared.http import create_service_app

from shop_batch_worker.bootstrap import Bootstrapper, bootstrap
from shop_batch_worker.settings import BatchSettings

__all__ = ["create_app"]


def create_app(settings: BatchSettings, bootstrapper: Bootstrapper = bootstrap) -> FastAPI:
    # On shutdown running tasks finish within the grace period; the pool takes no new ones.
    return create_service_app(
        settings, title="batch-worker", build=bootstrapper, loops=lambda components: components.loops
    )
