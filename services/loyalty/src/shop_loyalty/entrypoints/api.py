"""The HTTP API: a customer's loyalty account and the health check; the SQS worker runs in its lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Path, Request
from fastapi.responses import JSONResponse
from shop_shared.http import ApiError, ErrorResponse, install_error_handlers
from shop_shared.lifecycle import BackgroundWorkers

from shop_loyalty.bootstrap import Bootstrapper, LoyaltyComponents, bootstrap
from shop_loyalty.settings import LoyaltySettings
from shop_loyalty.views import LoyaltySummary, loyalty_summary

__all__ = ["create_app"]


def _components(request: Request) -> LoyaltyComponents:
    components: LoyaltyComponents = request.app.state.components
    return components


Components = Annotated[LoyaltyComponents, Depends(_components)]
CustomerId = Annotated[str, Path(min_length=1, max_length=128)]


def create_app(settings: LoyaltySettings, bootstrapper: Bootstrapper = bootstrap) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            components = await bootstrapper(settings, stack)
            workers = BackgroundWorkers()
            for name, loop in components.loops.items():
                workers.start(name, loop)
            app.state.components = components
            app.state.workers = workers
            try:
                yield
            finally:
                await workers.shutdown(settings.shutdown_grace_seconds)

    app = FastAPI(title="loyalty", lifespan=lifespan)
    install_error_handlers(app)

    @app.get(
        "/customers/{customer_id}/loyalty",
        response_model=LoyaltySummary,
        responses={404: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
    )
    async def get_loyalty(customer_id: CustomerId, components: Components) -> LoyaltySummary:
        summary = await loyalty_summary(customer_id, components.accounts, components.clock)
        if summary is None:
            raise ApiError(404, "not_found", f"No loyalty account for customer {customer_id}.")
        return summary

    @app.get("/health")
    async def health(request: Request) -> Any:
        workers: BackgroundWorkers = request.app.state.workers
        unhealthy = workers.unhealthy()
        if unhealthy:
            return JSONResponse(status_code=503, content={"status": "unhealthy", "stopped_loops": unhealthy})
        return {"status": "ok"}

    return app
