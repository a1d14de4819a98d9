"""The HTTP API (notification history, health) and the lifespan that runs the SQS worker."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Annotated

from fastapi import Depends, FastAPI, Path
from pydantic import AwareDatetime, BaseModel
from shop_shared.http import ErrorResponse, components, create_service_app

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


def _repository(graph: Annotated[NotificationsGraph, Depends(components)]) -> NotificationRepository:
    return graph.deps.notifications


Repository = Annotated[NotificationRepository, Depends(_repository)]
CustomerId = Annotated[str, Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:@-]+$")]


def create_app(settings: NotificationsSettings, *, build: GraphBuilder = bootstrap) -> FastAPI:
    """`build` makes the object graph; tests pass one with in-memory adapters."""
    app = create_service_app(
        settings, title="Notifications", version="1.0.0", build=build, loops=lambda graph: graph.loops
    )

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

    return app
