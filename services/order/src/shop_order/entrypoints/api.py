"""The order HTTP API: place an order, read it back, report health."""

from __future__ import annotations

import logging
import uuid
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Path, Request, Response, status
from fastapi.responses import JSONResponse
from shop_shared.http import ErrorResponse, components, create_service_app, error_response

from shop_order.bootstrap import Bootstrap, OrderBootstrap, bootstrap
from shop_order.domain import PlaceOrder
from shop_order.exceptions import DependencyUnavailable
from shop_order.handlers import place_order
from shop_order.settings import OrderSettings

from .schemas import OrderView

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


Services = Annotated[OrderBootstrap, Depends(components)]
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

    app = create_service_app(
        settings,
        title="Order API",
        version="1.0.0",
        description="Places orders and reports their payment status. Totals are always computed by the server.",
        build=build,
        loops=lambda services: services.background,
    )

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

    return app
