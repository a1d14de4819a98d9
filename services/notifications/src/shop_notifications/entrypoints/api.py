"""The HTTP API (notification history, health) and the lifespan that runs the SQS worker."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Path, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel
from shop_shared.http import ErrorResponse, install_error_handlers
from shop_shared.lifecycle import BackgroundWorkers

from shop_notifications.bootstrap import NotificationsGraph, bootstrap
from shop_notifications.domain.notification import Notification
from shop_notifications.ports import NotificationRepository
from shop_notifications.settings import NotificationsSettings

__all__ = ["create_app"]

GraphBuilder = Callable[[NotificationsSettings, AsyncExitStack], Awaitable[NotificationsGraph]]


class NotificationView(BaseModel):
    notification_id: str
    event_id: str
    event_type: str
    status: str
    template: str
    channel: str
    masked_destination: str
    message: str
    created_at: AwareDatetime
    sent_at: AwareDatetime | None
    error: str | None

    @classmethod
    def of(cls, notification: Notification) -> NotificationView:
        return cls.model_validate(notification.model_dump(include=set(cls.model_fields)))


class CustomerNotifications(BaseModel):
    customer_id: str
    notifications: list[NotificationView]


class Health(BaseModel):
    status: str
    unhealthy_loops: list[str] = []


def _repository(request: Request) -> NotificationRepository:
    graph: NotificationsGraph = request.app.state.graph
    return graph.deps.notifications


def _workers(request: Request) -> BackgroundWorkers:
    workers: BackgroundWorkers = request.app.state.workers
    return workers


Repository = Annotated[NotificationRepository, Depends(_repository)]
Workers = Annotated[BackgroundWorkers, Depends(_workers)]
CustomerId = Annotated[str, Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:@-]+$")]


def create_app(settings: NotificationsSettings, *, build: GraphBuilder = bootstrap) -> FastAPI:
    """`build` makes the object graph; tests pass one with in-memory adapters."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            graph = await build(settings, stack)
            workers = BackgroundWorkers()
            for name, loop in graph.loops.items():
                workers.start(name, loop)
            app.state.graph = graph
            app.state.workers = workers
            try:
                yield
            finally:
                await workers.shutdown(settings.shutdown_grace_seconds)

    app = FastAPI(title="Notifications", version="1.0.0", lifespan=lifespan)
    install_error_handlers(app)

    @app.get(
        "/customers/{customer_id}/notifications",
        response_model=CustomerNotifications,
        responses={422: {"model": ErrorResponse}},
        summary="What was sent to a customer, newest first (an unknown customer has none).",
    )
    async def customer_notifications(customer_id: CustomerId, repository: Repository) -> CustomerNotifications:
        notifications = await repository.list_for_customer(customer_id)
        return CustomerNotifications(
            customer_id=customer_id, notifications=[NotificationView.of(item) for item in notifications]
        )

    @app.get("/health", response_model=Health, responses={503: {"model": Health}})
    async def health(workers: Workers) -> Health | JSONResponse:
        unhealthy = workers.unhealthy()
        if unhealthy:
            body = Health(status="unhealthy", unhealthy_loops=unhealthy)
            return JSONResponse(status_code=503, content=body.model_dump())
        return Health(status="ok")

    return app
