"""The payment HTTP API: `POST /events` (the EventBridge API destination), `GET /payments/{id}`, `GET /health`."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from shop_shared.contracts import InvalidEvent, OrderCreated, UnknownEventType
from shop_shared.http import ApiError, BodySizeLimit, ErrorResponse, components, create_service_app
from shop_shared.messaging import envelope_from_eventbridge_event

from shop_payment import handlers
from shop_payment.bootstrap import PaymentDependencies, bootstrap
from shop_payment.settings import PaymentSettings

from .schemas import AcceptedResponse, PaymentView

__all__ = ["create_app"]

logger = logging.getLogger(__name__)

Bootstrap = Callable[[PaymentSettings, AsyncExitStack], Awaitable[PaymentDependencies]]
ERRORS: dict[int | str, dict[str, Any]] = {status: {"model": ErrorResponse} for status in (400, 401, 404, 413, 422)}

router = APIRouter()


def _settings(request: Request) -> PaymentSettings:
    settings: PaymentSettings = request.app.state.settings
    return settings


Dependencies = Annotated[PaymentDependencies, Depends(components)]
Settings = Annotated[PaymentSettings, Depends(_settings)]


@router.post("/events", status_code=202, response_model=AcceptedResponse, responses=ERRORS)
async def receive_event(request: Request, dependencies: Dependencies, settings: Settings) -> JSONResponse:
    """An EventBridge event, pushed by the API destination with the connection's API key."""
    if not await dependencies.api_keys.verify(request.headers.get(settings.api_key_header)):
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
    accepted = await handlers.accept_order_created(envelope, dependencies.repository, dependencies.work)
    # A new payment is leased to this worker, which charges it now. For a redelivery the claim decides: a step
    # runs only if one is due and no other worker's lease runs.
    dependencies.processor.submit(accepted.payment.payment_id)
    return JSONResponse(status_code=202, content=AcceptedResponse(payment_id=accepted.payment.payment_id).model_dump())


@router.get("/payments/{payment_id}", response_model=PaymentView, responses=ERRORS)
async def get_payment(payment_id: str, dependencies: Dependencies) -> PaymentView:
    payment = await dependencies.repository.get(payment_id)
    if payment is None:
        raise ApiError(404, "not_found", "No payment with this id.")
    return PaymentView.of(payment)


def create_app(settings: PaymentSettings, *, build: Bootstrap = bootstrap) -> FastAPI:
    app = create_service_app(
        settings,
        title="Payment service",
        version="1",
        build=build,
        # The due-work sweep gives every payment whose step is due (or whose worker died) its next step.
        loops=lambda dependencies: {
            "outbox-relay": dependencies.relay.run,
            "due-work-sweep": dependencies.processor.run,
        },
        # Payments first (their events go through the outbox), then the relay gets what time is left.
        drain=lambda dependencies, grace_seconds: dependencies.processor.shutdown(grace_seconds),
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_event_bytes)
    app.state.settings = settings
    app.include_router(router)
    return app
