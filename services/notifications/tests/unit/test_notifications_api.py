"""The HTTP API over in-memory adapters: notification history newest first, only for its own customer's token,
health, and every error an RFC 9457 problem (`application/problem+json`)."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError
from shop_devtools.testing.problems import problem_of
from shop_devtools.testing.tokens import TestIssuer
from shop_notifications.bootstrap import NotificationsContainer
from shop_notifications.domain.notification import Notification, NotificationStatus
from shop_notifications.domain.templates import TemplateName
from shop_notifications.entrypoints.api import create_app
from shop_notifications.settings import NotificationsSettings
from shop_shared.composition import BackgroundLoop
from shop_shared.contracts import Channel
from shop_shared.exceptions import DependencyUnavailable

ISSUER = TestIssuer()
SETTINGS = NotificationsSettings(
    auth_issuer=ISSUER.issuer,
    auth_audience=ISSUER.audience,
    events_queue="queue",
    table="notifications",
    contacts_table="contacts",
    destination_counts_table="destination-counts",
    destination_key_secret_id="destination-key",
    contact_key_id="alias/contacts",
    email_sender="no-reply@shop.example",
    shutdown_grace_seconds=1,
)
START = datetime(2026, 1, 1, tzinfo=UTC)


def sent_record(customer_id: str, event_id: str, created_at: datetime) -> Notification:
    return Notification(
        customer_id=customer_id,
        notification_id=f"{event_id}:order_confirmed",
        event_id=event_id,
        event_type="order.created",
        template=TemplateName.ORDER_CONFIRMED,
        channel=Channel.SMS,
        masked_destination="+1555\u2022\u2022\u20220100",
        message="Shop: thanks for your order",
        status=NotificationStatus.SENT,
        created_at=created_at,
        claimed_at=created_at,
        sent_at=created_at + timedelta(seconds=1),
        provider_message_id="m-1",
    )


PROBLEM = "application/problem+json"


@asynccontextmanager
async def serve(
    harness: Any,
    loops: dict[str, BackgroundLoop] | None = None,
    *,
    raise_app_exceptions: bool = True,
    as_customer: str | None = "c1",
) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan running, over in-memory adapters; the client has a token of `as_customer`."""

    async def build(settings: NotificationsSettings, stack: AsyncExitStack) -> NotificationsContainer:
        return NotificationsContainer(
            notifications=harness.notifications, token_verifier=ISSUER.verifier(), background=loops or {}
        )

    app = create_app(SETTINGS, build=build)
    # raise_app_exceptions=False: Starlette re-raises an unhandled error after answering 500; read the answer.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=transport, base_url="http://test", headers=ISSUER.bearer(as_customer) if as_customer else {}
        ) as client,
    ):
        yield client


async def test_an_unknown_customer_has_no_notifications(harness: Any) -> None:
    async with serve(harness, as_customer="nobody") as client:
        response = await client.get("/customers/nobody/notifications")

    assert response.status_code == 200
    assert response.json() == {"customer_id": "nobody", "notifications": []}


async def test_notifications_are_listed_newest_first(harness: Any) -> None:
    for event_id, minute in [("e1", 1), ("e3", 3), ("e2", 2)]:
        harness.notifications.records[("c1", event_id)] = sent_record("c1", event_id, START + timedelta(minutes=minute))
    harness.notifications.records[("c2", "x")] = sent_record("c2", "x", START)

    async with serve(harness) as client:
        body = (await client.get("/customers/c1/notifications")).json()

    assert body["customer_id"] == "c1"
    assert [item["event_id"] for item in body["notifications"]] == ["e3", "e2", "e1"]
    newest = body["notifications"][0]
    assert newest["status"] == "SENT"
    assert newest["template"] == "order_confirmed"
    assert newest["channel"] == "sms"
    assert newest["masked_destination"] == "+1555•••0100"
    assert newest["message"] == "Shop: thanks for your order"
    assert datetime.fromisoformat(newest["created_at"]) == START + timedelta(minutes=3)
    assert datetime.fromisoformat(newest["sent_at"]) == START + timedelta(minutes=3, seconds=1)


async def test_a_malformed_customer_id_is_a_422_problem(harness: Any) -> None:
    async with serve(harness) as client:
        response = await client.get("/customers/bad%20id%3B/notifications")

    body = problem_of(response, 422, "validation_error")
    assert body["title"] == "Unprocessable Content"
    assert body["instance"] == "/customers/bad id;/notifications"
    assert [detail["field"] for detail in body["details"]] == ["path.customer_id"]


async def test_an_unexpected_error_is_a_500_problem_that_discloses_nothing(harness: Any) -> None:
    async def broken(customer_id: str) -> list[Notification]:
        raise RuntimeError("secret internals")

    harness.notifications.list_for_customer = broken
    async with serve(harness, raise_app_exceptions=False) as client:
        response = await client.get("/customers/c1/notifications")

    problem_of(response, 500, "internal_error")
    assert "secret" not in response.text


@pytest.mark.parametrize(
    "outage",
    [
        DependencyUnavailable("dynamodb"),
        ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}}, "Query"),
    ],
    ids=["dependency-unavailable", "dynamodb-throttled"],
)
async def test_a_dependency_outage_is_a_503_problem_with_retry_after(harness: Any, outage: Exception) -> None:
    async def unavailable(customer_id: str) -> list[Notification]:
        raise outage

    harness.notifications.list_for_customer = unavailable
    async with serve(harness) as client:
        response = await client.get("/customers/c1/notifications")

    problem_of(response, 503, "unavailable")
    assert response.headers["Retry-After"] == "1"


async def test_the_openapi_document_declares_every_error_a_problem(harness: Any) -> None:
    async with serve(harness) as client:
        document = (await client.get("/openapi.json")).json()

    responses = document["paths"]["/customers/{customer_id}/notifications"]["get"]["responses"]
    errors = {status: answer for status, answer in responses.items() if int(status) >= 400}
    assert set(errors) == {"401", "403", "422", "500", "503"}
    for answer in errors.values():
        assert list(answer["content"]) == [PROBLEM]
        assert answer["content"][PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert "Problem" in document["components"]["schemas"]
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert document["paths"]["/customers/{customer_id}/notifications"]["get"]["security"] == [{"bearerAuth": []}]
    assert "security" not in document["paths"]["/health"]["get"]


async def test_reading_without_a_token_is_401(harness: Any) -> None:
    harness.notifications.records[("c1", "e1")] = sent_record("c1", "e1", START)

    async with serve(harness, as_customer=None) as client:
        response = await client.get("/customers/c1/notifications")

    problem_of(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="shop"'
    assert "0100" not in response.text


@pytest.mark.parametrize("kind", ["forged", "alg-none"])
async def test_a_forged_or_unsigned_token_is_401(harness: Any, kind: str) -> None:
    forger = TestIssuer(issuer=ISSUER.issuer, kid=ISSUER.kid)
    token = forger.mint("c1") if kind == "forged" else ISSUER.mint_unsigned("c1")

    async with serve(harness, as_customer=None) as client:
        response = await client.get("/customers/c1/notifications", headers={"Authorization": f"Bearer {token}"})

    problem_of(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="shop", error="invalid_token"'


async def test_another_customers_notifications_are_403(harness: Any) -> None:
    harness.notifications.records[("c1", "e1")] = sent_record("c1", "e1", START)

    async with serve(harness, as_customer="c-intruder") as client:
        response = await client.get("/customers/c1/notifications")

    problem = problem_of(response, 403, "forbidden")
    assert problem["detail"] == "The token's subject is another customer."
    assert "0100" not in response.text and "thanks" not in response.text


async def test_health_is_ok_while_the_worker_runs(harness: Any) -> None:
    async def run_until_stopped(stop: asyncio.Event) -> None:
        await stop.wait()

    async with serve(harness, {"events-consumer": run_until_stopped}) as client:
        response = await client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_health_is_503_when_the_worker_died(harness: Any) -> None:
    async def crash(stop: asyncio.Event) -> None:
        raise RuntimeError("boom")

    async with serve(harness, {"events-consumer": crash}) as client:
        await asyncio.sleep(0)  # let the loop run (and die)
        response = await client.get("/health")

    assert response.status_code == 503
    assert response.json() == {"status": "unhealthy", "stopped_loops": ["events-consumer"]}
