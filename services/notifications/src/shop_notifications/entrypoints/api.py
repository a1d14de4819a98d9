"""The HTTP API (notification history, health) and the lifespan that runs the SQS worker.

A customer's history needs a bearer token of that customer (shop_shared.auth); health and the docs stay open.
Every error answers an RFC 9457 problem (`application/problem+json`, shop_shared.http.problems).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Path
from pydantic import AwareDatetime, BaseModel
from shop_shared.auth import Authenticated, auth_responses, forbid_other_customer
from shop_shared.composition import Bootstrap
from shop_shared.http import components, create_service_app, problem_example, problem_responses

from shop_notifications.bootstrap import NotificationsContainer, bootstrap
from shop_notifications.domain.notification import Notification
from shop_notifications.settings import NotificationsSettings

__all__ = ["create_app"]

# Another customer's history is 403, whether they have one or not.
HISTORY_ERRORS = auth_responses(forbidden="The customer id is not the token's subject.") | problem_responses(
    422,
    500,
    503,
    descriptions={
        422: "The customer id is malformed.",
        500: "An unexpected error; nothing about it is disclosed.",
        503: (
            "The notification records or the identity provider's keys cannot be read right now; retry after "
            "`Retry-After` seconds."
        ),
    },
    examples={
        422: {
            "malformed_customer_id": problem_example(
                "A customer id with characters outside A-Z a-z 0-9 _ . : @ -",
                422,
                "validation_error",
                "The request is not valid; see details.",
                [{"field": "path.customer_id", "message": "String should match pattern '^[A-Za-z0-9_.:@-]+$'"}],
            )
        },
    },
)


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


Services = Annotated[NotificationsContainer, Depends(components)]
CustomerId = Annotated[str, Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:@-]+$")]


def create_app(
    settings: NotificationsSettings,
    *,
    build: Bootstrap[NotificationsSettings, NotificationsContainer] = bootstrap,
) -> FastAPI:
    """`build` makes the container; tests pass one with in-memory adapters."""
    app = create_service_app(
        settings,
        title="Notifications",
        version="1.0.0",
        description="What was sent to a customer, read with a bearer token of that customer (`Authorization`).",
        build=build,
    )

    @app.get(
        "/customers/{customer_id}/notifications",
        response_model=CustomerNotifications,
        responses=HISTORY_ERRORS,
        summary="What was sent to a customer, newest first (an unknown customer has none).",
    )
    async def customer_notifications(
        customer_id: CustomerId, services: Services, principal: Authenticated
    ) -> CustomerNotifications:
        forbid_other_customer(principal, customer_id)
        notifications = await services.notifications.list_for_customer(customer_id)
        return CustomerNotifications(
            customer_id=customer_id, notifications=[NotificationView.of(item) for item in notifications]
        )

    return app
