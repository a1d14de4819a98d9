"""The payment HTTP API: `POST /events` (the EventBridge API destination), `GET /payments/{id}`, `GET /health`."""

from __future__ import annotations

import json
import logging
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from opentelemetry.trace import SpanKind
from shop_shared.composition import Bootstrap
from shop_shared.contracts import InvalidEvent, OrderCreated, UnknownEventType
from shop_shared.http import (
    ApiError,
    BodySizeLimit,
    components,
    create_service_app,
    problem_responses,
    refine_openapi,
)
from shop_shared.messaging import envelope_from_eventbridge_event
from shop_shared.observability.tracing import consuming

from shop_payment import handlers
from shop_payment.bootstrap import PaymentContainer, bootstrap
from shop_payment.settings import PaymentSettings

from .schemas import ORDER_CREATED_DELIVERY, AcceptedResponse, PaymentView

__all__ = ["create_app"]

logger = logging.getLogger(__name__)

API_KEY_SCHEME = "eventBridgeApiKey"
API_DESTINATION = "payment-events"  # the topology's API destination that pushes order.created here

_UNAVAILABLE = "A dependency (DynamoDB) is unavailable; retry after `Retry-After` seconds."
# Every error answers a problem (application/problem+json) with its `code`; see shop_shared.http.problems.
EVENT_ERRORS = problem_responses(
    400,
    401,
    413,
    422,
    503,
    descriptions={
        400: "The body is not JSON (`invalid_json`).",
        401: "The API key header is missing or wrong (`unauthorized`).",
        413: "The body is larger than an EventBridge event can be (`payload_too_large`).",
        422: "Not an order.created event this service can read (`invalid_event`, `unsupported_event_type`).",
        503: _UNAVAILABLE,
    },
)
PAYMENT_ERRORS = problem_responses(
    404, 503, descriptions={404: "No payment with this id (`not_found`).", 503: _UNAVAILABLE}
)

router = APIRouter()


def _settings(request: Request) -> PaymentSettings:
    settings: PaymentSettings = request.app.state.settings
    return settings


Services = Annotated[PaymentContainer, Depends(components)]
Settings = Annotated[PaymentSettings, Depends(_settings)]


@router.post(
    "/events",
    status_code=202,
    response_model=AcceptedResponse,
    responses=EVENT_ERRORS,
    openapi_extra={"requestBody": ORDER_CREATED_DELIVERY},
)
async def receive_event(request: Request, services: Services, settings: Settings) -> JSONResponse:
    """An EventBridge event, pushed by the API destination with the connection's API key."""
    if not await services.api_keys.verify(request.headers.get(settings.api_key_header)):
        logger.warning("event rejected: missing or invalid API key")
        raise ApiError(401, "unauthorized", "Missing or invalid API key.")
    body = await request.body()  # at most settings.max_event_bytes: BodySizeLimit refused anything larger
    try:
        event = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ApiError(400, "invalid_json", "The body is not JSON.") from error
    try:
        envelope = envelope_from_eventbridge_event(event)
    except UnknownEventType as error:
        raise ApiError(422, "unsupported_event_type", f"Unsupported event type: {error}") from error
    except InvalidEvent as error:
        raise ApiError(422, "invalid_event", str(error)) from error
    if envelope.metadata.event_type != OrderCreated.event_type:
        raise ApiError(422, "unsupported_event_type", f"Unsupported event type: {envelope.metadata.event_type}")
    # The request's span continues the order's trace from the event (EventBridge sends no traceparent header).
    with consuming(
        envelope,
        system="aws_eventbridge",
        destination=API_DESTINATION,
        message_id=str(event.get("id", "")) or None,
        kind=SpanKind.SERVER,
    ):
        accepted = await handlers.accept_order_created(envelope, services.repository, services.work)
        # A new payment is leased to this worker, which charges it now. For a redelivery the claim decides: a step
        # runs only if one is due and no other worker's lease runs.
        services.processor.submit(accepted.payment.payment_id)
    return JSONResponse(status_code=202, content=AcceptedResponse(payment_id=accepted.payment.payment_id).model_dump())


@router.get("/payments/{payment_id}", response_model=PaymentView, responses=PAYMENT_ERRORS)
async def get_payment(payment_id: str, services: Services) -> PaymentView:
    payment = await services.repository.get(payment_id)
    if payment is None:
        raise ApiError(404, "not_found", "No payment with this id.")
    return PaymentView.of(payment)


def create_app(
    settings: PaymentSettings, *, build: Bootstrap[PaymentSettings, PaymentContainer] = bootstrap
) -> FastAPI:
    """`build` wires the dependencies; tests pass one that returns fakes. Its container's background loops
    (outbox relay, due-work sweep) run with the app, and its `drain` lets payments in flight finish first."""
    app = create_service_app(
        settings, title="Payment service", version="1.0.0", build=build, untraced_paths=("/events",)
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_event_bytes)
    app.state.settings = settings
    app.include_router(router)
    refine_openapi(app, partial(_document_api_key, settings.api_key_header))
    return app


def _document_api_key(header: str, document: dict[str, Any]) -> None:
    """`POST /events` needs the connection's API key: say so as the operation's security scheme."""
    schemes = document.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes[API_KEY_SCHEME] = {
        "type": "apiKey",
        "in": "header",
        "name": header,
        "description": "The EventBridge connection's API key (Secrets Manager); a wrong or missing one is 401.",
    }
    document["paths"]["/events"]["post"]["security"] = [{API_KEY_SCHEME: []}]
