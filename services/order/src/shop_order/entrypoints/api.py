"""The order HTTP API: place an order (idempotently), list a customer's orders, read one, report health.

Every route but health and the docs needs a bearer token; the customer is its subject (shop_shared.auth).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, FastAPI, Header, Path, Query, Request, Response, status
from fastapi.responses import JSONResponse
from shop_shared.auth import Authenticated, Principal, forbid_other_customer
from shop_shared.composition import Bootstrap
from shop_shared.http import (
    ApiError,
    BodySizeLimit,
    components,
    create_service_app,
    problem_response,
    refine_openapi,
)

from shop_order.bootstrap import OrderContainer, bootstrap
from shop_order.domain import IDEMPOTENCY_KEY_PATTERN, Order, PlaceOrder, StoredResponse
from shop_order.exceptions import IdempotencyKeyReused, InvalidCursor, OrderRateLimited
from shop_order.handlers import place_order
from shop_order.settings import OrderSettings

from .openapi import exact_place_order
from .responses import (
    CONTACT_NOT_VERIFIED_DETAIL,
    CREATED_HEADERS,
    IDEMPOTENCY_KEY_REUSED_DETAIL,
    LIST_ERRORS,
    NOT_YOURS_DETAIL,
    PLACE_ERRORS,
    PLACE_ORDER_DESCRIPTION,
    RATE_LIMITED_DETAIL,
    READ_ERRORS,
)
from .schemas import CURSOR_EXAMPLE, OrderPageView, OrderView

__all__ = ["create_app"]

CORRELATION_HEADER = "X-Correlation-Id"
REPLAYED_HEADER = "Idempotent-Replayed"
_ID_PATTERN = r"^[A-Za-z0-9._:-]+$"

Services = Annotated[OrderContainer, Depends(components)]
CorrelationId = Annotated[
    str | None,
    Header(
        alias=CORRELATION_HEADER,
        min_length=1,
        max_length=128,
        pattern=_ID_PATTERN,
        description="Correlates the events of this order's flow; defaults to the order id.",
        examples=["checkout-42"],
    ),
]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description=(
            "Makes retries safe: 1 to 128 characters of `A-Z a-z 0-9 . _ : -`, a fresh UUID per order is best. "
            "The first request with a key creates the order; a retry with the same key and the same body "
            "(formatting aside) gets that first answer again, with `Idempotent-Replayed: true`, and creates "
            "nothing; the same key with a different body is refused with 422 `idempotency_key_reused`. "
            "Keys are remembered for 24 hours (the service's ORDER_IDEMPOTENCY_TTL_SECONDS)."
        ),
        examples=["3b1f8e1c-7d2a-4a51-9a0e-5c1d2b7e9f10"],
    ),
]


def render_created(order: Order) -> StoredResponse:
    """The 201 answer for a new order, kept with its Idempotency-Key for the retries."""
    return StoredResponse(status=status.HTTP_201_CREATED, body=OrderView.from_order(order).model_dump_json())


def authorize_order(command: PlaceOrder, principal: Principal) -> None:
    """An order is placed only as oneself, and confirmed only to a contact the identity provider verified."""
    forbid_other_customer(principal, command.customer_id, NOT_YOURS_DETAIL)
    if not principal.owns(command.contact):
        raise ApiError(403, "contact_not_verified", CONTACT_NOT_VERIFIED_DETAIL)


def create_app(settings: OrderSettings, *, build: Bootstrap[OrderSettings, OrderContainer] = bootstrap) -> FastAPI:
    """`build` wires the dependencies; tests pass one that returns fakes."""

    app = create_service_app(
        settings,
        title="Order API",
        version="1.0.0",
        description=(
            "Places orders and reports their payment status. Totals are always computed by the server. "
            "Every operation but `/health` needs `Authorization: Bearer <JWT>`, an OIDC ID token of the shop's "
            "identity provider: its subject is the customer, who only ever orders as and reads about themselves. "
            "Every error answers an RFC 9457 problem (`application/problem+json`): `type`, `title`, `status`, "
            "`detail` and `instance`, plus `code` (what went wrong, for programs) and `details` (the offending "
            "fields)."
        ),
        build=build,
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    refine_openapi(app, exact_place_order)

    # Outages (503) and unexpected errors (500) are answered by the shared handlers of create_service_app.
    @app.exception_handler(IdempotencyKeyReused)
    async def _key_reused(request: Request, _: IdempotencyKeyReused) -> JSONResponse:
        return problem_response(422, "idempotency_key_reused", IDEMPOTENCY_KEY_REUSED_DETAIL, instance=request.url.path)

    @app.exception_handler(OrderRateLimited)
    async def _rate_limited(request: Request, error: OrderRateLimited) -> JSONResponse:
        headers = {"Retry-After": str(error.retry_after_seconds)}
        return problem_response(429, "rate_limited", RATE_LIMITED_DETAIL, headers=headers, instance=request.url.path)

    @app.exception_handler(InvalidCursor)
    async def _invalid_cursor(request: Request, error: InvalidCursor) -> JSONResponse:
        detail = f"The cursor is not valid for this listing ({error}); start again without a cursor."
        return problem_response(422, "invalid_cursor", detail, instance=request.url.path)

    @app.post(
        "/orders",
        status_code=status.HTTP_201_CREATED,
        response_model=OrderView,
        responses={
            201: {"description": "The order was stored (or, for a retry, had been).", "headers": CREATED_HEADERS},
            **PLACE_ERRORS,
        },
        summary="Place an order",
        description=PLACE_ORDER_DESCRIPTION,
    )
    async def create_order(
        command: PlaceOrder,
        services: Services,
        principal: Authenticated,
        correlation_id: CorrelationId = None,
        idempotency_key: IdempotencyKey = None,
    ) -> Response:
        authorize_order(command, principal)
        placed = await place_order(
            command,
            repository=services.repository,
            contact_encryption=services.contact_encryption,
            render=render_created,
            rate_limiting=services.rate_limiting,
            idempotency_key=idempotency_key,
            idempotency_ttl=settings.idempotency_ttl,
            correlation_id=correlation_id,
            clock=services.clock,
        )
        headers = {
            "Location": f"/orders/{placed.order_id}",
            CORRELATION_HEADER: correlation_id or placed.order_id,
        }
        if placed.replayed:
            headers[REPLAYED_HEADER] = "true"
        return Response(
            content=placed.response.body,
            status_code=placed.response.status,
            media_type="application/json",
            headers=headers,
        )

    @app.get(
        "/orders",
        response_model=OrderPageView,
        responses=LIST_ERRORS,
        summary="List a customer's orders, newest first",
    )
    async def list_orders(
        services: Services,
        principal: Authenticated,
        customer_id: Annotated[
            str | None,
            Query(
                min_length=1,
                max_length=64,
                pattern=_ID_PATTERN,
                description="The customer whose orders to list: the token's subject, the default; another is 403.",
                examples=["c-123"],
            ),
        ] = None,
        limit: Annotated[int, Query(ge=1, le=100, description="Orders per page (1 to 100).", examples=[20])] = 20,
        cursor: Annotated[
            str | None,
            Query(
                description="`next_cursor` of the previous page; omit for the first page.", examples=[CURSOR_EXAMPLE]
            ),
        ] = None,
    ) -> OrderPageView:
        if customer_id is not None:
            forbid_other_customer(principal, customer_id)
        page = await services.repository.list_for_customer(principal.subject, limit=limit, cursor=cursor)
        return OrderPageView.from_page(page)

    @app.get("/orders/{order_id}", response_model=OrderView, responses=READ_ERRORS, summary="Read an order")
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
        principal: Authenticated,
    ) -> OrderView:
        try:
            # Ids are uuid4 strings: anything else cannot be an order, so skip the table.
            canonical = str(uuid.UUID(order_id))
        except ValueError:
            canonical = None
        order = await services.repository.get(canonical) if canonical else None
        # Another customer's order answers exactly as a missing one: its existence is not theirs to learn.
        if order is None or order.customer_id != principal.subject:
            raise ApiError(404, "not_found", "No order with this id.")
        return OrderView.from_order(order)

    return app
