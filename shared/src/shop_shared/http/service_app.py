"""What every service's FastAPI app shares: bootstrap in the lifespan, background loops, `GET /health`, serving."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, Literal

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from pydantic import BaseModel, Field

from shop_shared.composition import Bootstrap, Container
from shop_shared.lifecycle import BackgroundWorkers
from shop_shared.observability import (
    configure_logging,
    configure_tracing,
    instrument_http_clients,
    shutdown_tracing,
)
from shop_shared.settings import ServiceSettings

from .problems import document_problems, install_problem_handlers

__all__ = ["HealthyResponse", "UnhealthyResponse", "components", "create_service_app", "serve"]

# Work drained before the loops stop still gets the loops (an outbox relay) for at least this long.
MIN_LOOP_GRACE_SECONDS = 1.0


class HealthyResponse(BaseModel):
    status: Literal["ok"] = Field(default="ok", examples=["ok"])


class UnhealthyResponse(BaseModel):
    status: Literal["unhealthy"] = Field(default="unhealthy", examples=["unhealthy"])
    stopped_loops: list[str] = Field(
        description="Background loops that ended although no shutdown was asked for.", examples=[["outbox-relay"]]
    )


def create_service_app[S: ServiceSettings, C: Container](
    settings: S,
    *,
    title: str,
    build: Bootstrap[S, C],
    untraced_paths: tuple[str, ...] = (),
    **fastapi_kwargs: Any,
) -> FastAPI:
    """A FastAPI app whose lifespan builds the service's container and runs its background loops.

    `build(settings, stack)` is the service's bootstrap (tests pass one returning fakes); what it enters on `stack`
    is closed after the loops stopped. Routes reach the container through `components`. On shutdown the
    container's `drain` first gets `settings.shutdown_grace_seconds` for work that still needs the loops, then the
    loops get what is left, at least `MIN_LOOP_GRACE_SECONDS`. Every error answers a problem (`problems.py`).
    Every request gets a SERVER span (continuing an incoming `traceparent`) except `/health` and `untraced_paths`:
    paths whose handler continues the trace carried in the body instead (payment's `POST /events`).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            container = await build(settings, stack)
            workers = BackgroundWorkers()
            for name, loop in container.background.items():
                workers.start(name, loop)
            app.state.components = container
            app.state.workers = workers
            try:
                yield
            finally:
                await _shut_down(container, workers, settings.shutdown_grace_seconds)

    app = FastAPI(title=title, lifespan=lifespan, **fastapi_kwargs)
    install_problem_handlers(app)
    document_problems(app)
    FastAPIInstrumentor.instrument_app(
        app,
        excluded_urls=",".join(f"{path}$" for path in ("/health", *untraced_paths)),
        exclude_spans=["receive", "send"],  # one span per request, not one per ASGI message
    )

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


async def _shut_down(container: Container, workers: BackgroundWorkers, grace_seconds: float) -> None:
    started = time.monotonic()
    await container.drain(grace_seconds)
    left = grace_seconds - (time.monotonic() - started)
    await workers.shutdown(max(left, MIN_LOOP_GRACE_SECONDS))


def components(request: Request) -> Any:
    """The container `build` returned, as a FastAPI dependency: `Annotated[OrderContainer, Depends(components)]`."""
    return request.app.state.components


def serve[S: ServiceSettings](app_factory: Callable[[S], FastAPI], settings: S, service_name: str) -> None:
    """Run the service until SIGTERM/SIGINT, which uvicorn turns into the lifespan's shutdown; logs are JSON lines,
    spans go where `OTEL_TRACES_EXPORTER` says and are flushed on the way out."""
    configure_logging(service_name, settings.log_level)
    configure_tracing(service_name, settings.traces_exporter, settings.traces_file)
    instrument_http_clients()
    try:
        uvicorn.run(app_factory(settings), host=settings.host, port=settings.port, log_config=None)
    finally:
        shutdown_tracing()
