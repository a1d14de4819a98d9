"""The order HTTP API: place an order, read it back, report health."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Path, Request, Response, status
from fastapi.responses import JSONResponse
from shop_shared.http import ErrorResponse, error_response, install_error_handlers
from shop_shared.lifecycle import BackgroundWorkers

from shop_order.bootstrap import Bootstrap, OrderBootstrap, bootstrap
from shop_order.domain import PlaceOrder
from shop_order.exceptions import DependencyUnavailable
from shop_order.handlers import place_order
from shop_order.settings import OrderSettings

from .schemas import HealthView, OrderView

__all__ = ["create_app"]

logger = logging.getLogger(__name__)

CORRELATION_HEADER = "X-Correlation-Id"


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    descriptions = {
        404: "No order with this id.",
        422: "The request is not valid; `details` names each offending field. Nothing was changed.",
        503: "A dependency (DynamoDB, KMS) is unavailable; nothing was stored, retry later.",
    }
    return {code: {"model": ErrorResponse, "description": descriptions[code]} for code in codes}


def _services(request: Request) -> OrderBootstrap:
    services: OrderBootstrap = request.app.state.services
    return services


def _workers(request: Request) -> BackgroundWorkers:
    workers: BackgroundWorkers = request.app.state.workers
    return workers


Services = Annotated[OrderBootstrap, Depends(_services)]
Workers = Annotated[BackgroundWorkers, Depends(_workers)]
CorrelationId = Annotated[
    str | None,
    Header(
        alias=CORRELATION_HEADER,
        min_length=1,
        max_length=128,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="Correlates the events of this order's flow; defaults to the order id.",
    ),
]


def create_app(settings: OrderSettings, *, build: Bootstrap = bootstrap) -> FastAPI:
    """`build` wires the dependencies; tests pass one that returns fakes."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            services = await build(settings, stack)
            workers = BackgroundWorkers()
            for name, loop in services.background.items():
                workers.start(name, loop)
            app.state.services = services
            app.state.workers = workers
            try:
                yield
            finally:
                await workers.shutdown(settings.shutdown_grace_seconds)

    app = FastAPI(
        title="Order API",
        version="1.0.0",
        description="Places orders and reports their payment status. Totals are always computed by the server.",
        lifespan=lifespan,
    )
    install_error_handlers(app)

    @app.exception_handler(DependencyUnavailable)
    async def _unavailable(_: Request, error: DependencyUnavailable) -> JSONResponse:
        return error_response(
            503, "unavailable", "The service is temporarily unavailable; retry later.", headers={"Retry-After": "1"}
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, error: Exception) -> JSONResponse:
        # Logged by the server with its traceback; the client gets the one error shape, no internals.
        return error_response(500, "internal_error", "Something went wrong on our side.")

    @app.post(
        "/orders",
        status_code=status.HTTP_201_CREATED,
        response_model=OrderView,
        responses=_errors(422, 503),
        summary="Place an order",
    )
    async def create_order(
        command: PlaceOrder, services: Services, response: Response, correlation_id: CorrelationId = None
    ) -> OrderView:
        order = await place_order(
            command,
            repository=services.repository,
            contact_encryption=services.contact_encryption,
            publisher=services.publisher,
            correlation_id=correlation_id,
        )
        response.headers["Location"] = f"/orders/{order.order_id}"
        response.headers[CORRELATION_HEADER] = correlation_id or order.order_id
        return OrderView.from_order(order)

    @app.get("/orders/{order_id}", response_model=OrderView, responses=_errors(404, 422, 503), summary="Read an order")
    async def get_order(
        order_id: Annotated[
            str,
            Path(
                max_length=64,
                description="The order id returned when it was placed.",
                examples=["3f0c2a4e-8b7d-4c1e-9a55-2d6f0e1b7c90"],
            ),
        ],
        services: Services,
    ) -> OrderView | JSONResponse:
        try:
            # Ids are uuid4 strings: anything else cannot be an order, so skip the table.
            canonical = str(uuid.UUID(order_id))
        except ValueError:
            canonical = None
        order = await services.repository.get(canonical) if canonical else None
        if order is None:
            return error_response(404, "not_found", "No order with this id.")
        return OrderView.from_order(order)

    @app.get(
        "/health",
        response_model=HealthView,
        responses={503: {"model": HealthView, "description": "A background loop stopped."}},
    )
    async def health(workers: Workers) -> HealthView | JSONResponse:
        stopped = workers.unhealthy()
        if stopped:
            view = HealthView(status="unhealthy", unhealthy_loops=stopped)
            return JSONResponse(status_code=503, content=view.model_dump(mode="json"))
        return HealthView(status="ok")

    return app
