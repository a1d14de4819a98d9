"""The batch worker's only HTTP endpoint is its health check; the worker pool runs in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from shop_shared.http import install_error_handlers
from shop_shared.lifecycle import BackgroundWorkers

from shop_batch_worker.bootstrap import Bootstrapper, bootstrap
from shop_batch_worker.settings import BatchSettings

__all__ = ["create_app"]


def create_app(settings: BatchSettings, bootstrapper: Bootstrapper = bootstrap) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            components = await bootstrapper(settings, stack)
            workers = BackgroundWorkers()
            for name, loop in components.loops.items():
                workers.start(name, loop)
            app.state.workers = workers
            try:
                yield
            finally:
                # Running tasks finish within the grace period; the pool takes no new ones.
                await workers.shutdown(settings.shutdown_grace_seconds)

    app = FastAPI(title="batch-worker", lifespan=lifespan)
    install_error_handlers(app)

    @app.get("/health")
    async def health(request: Request) -> Any:
        workers: BackgroundWorkers = request.app.state.workers
        unhealthy = workers.unhealthy()
        if unhealthy:
            return JSONResponse(status_code=503, content={"status": "unhealthy", "stopped_loops": unhealthy})
        return {"status": "ok"}

    return app
