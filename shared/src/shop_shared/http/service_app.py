"""What every service's FastAPI app shares: bootstrap in the lifespan, background loops, `GET /health`, serving."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, Literal

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from shop_shared.lifecycle import BackgroundWorkers
from shop_shared.observability import configure_logging
from shop_shared.settings import ServiceSettings

from .errors import install_error_handlers

__all__ = ["HealthyResponse", "UnhealthyResponse", "components", "create_service_app", "serve"]

BackgroundLoop = Callable[[asyncio.Event], Awaitable[None]]

# Work drained before the loops stop still gets the loops (an outbox relay) for at least this long.
MIN_LOOP_GRACE_SECONDS = 1.0


class HealthyResponse(BaseModel):
    status: Literal["ok"] = Field(default="ok", examples=["ok"])


class UnhealthyResponse(BaseModel):
    status: Literal["unhealthy"] = Field(default="unhealthy", examples=["unhealthy"])
    stopped_loops: list[str] = Field(
        description="Background loops that ended although no shutdown was asked for.", examples=[["outbox-relay"]]
    )


def create_service_app[S: ServiceSettings, C](
    settings: S,
    *,
    title: str,
    build: Callable[[S, AsyncExitStack], Awaitable[C]],
    loops: Callable[[C], Mapping[str, BackgroundLoop]],
    drain: Callable[[C, float], Awaitable[None]] | None = None,
    **fastapi_kwargs: Any,
) -> FastAPI:
    """A FastAPI app whose lifespan builds the service and runs its background loops.

    `build(settings, stack)` is the service's bootstrap (tests pass one returning fakes); what it enters on `stack`
    is closed after the loops stopped. Routes reach what it returned through `components`. On shutdown, `drain`
    (if given) first gets `settings.shutdown_grace_seconds` for work that still needs the loops, then the loops get
    what is left, at least `MIN_LOOP_GRACE_SECONDS`.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            built = await build(settings, stack)
            workers = BackgroundWorkers()
            for name, loop in loops(built).items():
                workers.start(name, loop)
            app.state.components = built
            app.state.workers = workers
            try:
                yield
            finally:
                await _shut_down(built, workers, settings.shutdown_grace_seconds, drain)

    app = FastAPI(title=title, lifespan=lifespan, **fastapi_kwargs)
    install_error_handlers(app)

    @app.get(
        "/health",
        response_model=HealthyResponse,
        responses={503: {"model": UnhealthyResponse, "description": "A background loop has stopped."}},
        summary="Liveness: 200 while every background loop runs",
    )
    async def health(request: Request) -> HealthyResponse | JSONResponse:
        workers: BackgroundWorkers = request.app.state.workers
        stopped = workers.unhealthy()
        if stopped:
            return JSONResponse(status_code=503, content=UnhealthyResponse(stopped_loops=stopped).model_dump())
        return HealthyResponse()

    return app


async def _shut_down[C](
    built: C, workers: BackgroundWorkers, grace_seconds: float, drain: Callable[[C, float], Awaitable[None]] | None
) -> None:
    if drain is None:
        await workers.shutdown(grace_seconds)
        return
    started = time.monotonic()
    await drain(built, grace_seconds)
    left = grace_seconds - (time.monotonic() - started)
    await workers.shutdown(max(left, MIN_LOOP_GRACE_SECONDS))


def components(request: Request) -> Any:
    """What `build` returned, as a FastAPI dependency: `Annotated[MyComponents, Depends(components)]`."""
    return request.app.state.components


def serve[S: ServiceSettings](app_factory: Callable[[S], FastAPI], settings: S, service_name: str) -> None:
    """Run the service until SIGTERM/SIGINT, which uvicorn turns into the lifespan's shutdown; logs are JSON lines."""
    configure_logging(service_name, settings.log_level)
    uvicorn.run(app_factory(settings), host=settings.host, port=settings.port, log_config=None)
