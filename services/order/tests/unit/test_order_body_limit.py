"""The request body limit: 413 as a problem for a declared or a streamed body over the limit."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from shop_order.bootstrap import OrderContainer
from shop_order.settings import OrderSettings
from shop_shared.http import PROBLEM_MEDIA_TYPE, BodySizeLimit
from starlette.types import Message, Receive, Scope, Send

if TYPE_CHECKING:
    from conftest import ClientFor, InMemoryOrderRepository, RecordingPublisher

LIMIT = 2048
TOO_LARGE = {
    "type": "about:blank",
    "title": "Content Too Large",
    "status": 413,
    "detail": f"The request body is larger than {LIMIT} bytes.",
    "instance": "/orders",
    "code": "payload_too_large",
    "details": [],
}


@pytest.fixture
async def small_api(
    client_for: ClientFor, fake_services: OrderContainer, settings: OrderSettings
) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(fake_services, app_settings=settings.model_copy(update={"max_body_bytes": LIMIT})) as client:
        yield client


def padded(body: dict[str, Any], size: int) -> bytes:
    """The order as JSON, padded with insignificant whitespace to exactly `size` bytes."""
    text = json.dumps(body).encode()
    return text + b" " * (size - len(text))


async def chunks(data: bytes, size: int = 500) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


JSON = {"Content-Type": "application/json"}


async def test_body_at_the_limit_is_accepted(small_api: httpx.AsyncClient, order_body: dict[str, Any]) -> None:
    response = await small_api.post("/orders", content=padded(order_body, LIMIT), headers=JSON)

    assert response.status_code == 201, response.text


async def test_declared_body_over_the_limit_is_413_and_stores_nothing(
    small_api: httpx.AsyncClient,
    order_body: dict[str, Any],
    repository: InMemoryOrderRepository,
    publisher: RecordingPublisher,
) -> None:
    response = await small_api.post("/orders", content=padded(order_body, LIMIT + 1), headers=JSON)

    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json() == TOO_LARGE
    assert repository.orders == {} and publisher.published == []


async def test_streamed_body_over_the_limit_is_413(
    small_api: httpx.AsyncClient, order_body: dict[str, Any], repository: InMemoryOrderRepository
) -> None:
    response = await small_api.post("/orders", content=chunks(padded(order_body, LIMIT + 1)), headers=JSON)

    assert "content-length" not in {name.lower() for name in response.request.headers}
    assert response.status_code == 413
    assert response.json() == TOO_LARGE
    assert repository.orders == {}


async def test_streamed_body_under_the_limit_reaches_the_route_whole(
    small_api: httpx.AsyncClient, order_body: dict[str, Any]
) -> None:
    response = await small_api.post("/orders", content=chunks(padded(order_body, LIMIT), size=7), headers=JSON)

    assert response.status_code == 201, response.text
    assert response.json()["total"] == "44.98"


async def test_default_limit_is_64_kib(api: httpx.AsyncClient, order_body: dict[str, Any]) -> None:
    at_limit = await api.post("/orders", content=padded(order_body, 65_536), headers=JSON)
    over = await api.post("/orders", content=padded(order_body, 65_537), headers=JSON)

    assert (at_limit.status_code, over.status_code) == (201, 413)


async def test_body_longer_than_its_content_length_is_cut_off_at_the_limit() -> None:
    """A client that declares a small body and then sends more is stopped once the count passes the limit."""
    reached_app: list[bytes] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        reached_app.append((await receive())["body"])

    messages = [{"type": "http.request", "body": b"x" * 600, "more_body": True}] * 5
    sent: list[Message] = []

    async def receive() -> Message:
        return messages.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/orders", "headers": [(b"content-length", b"10")]}
    await BodySizeLimit(app, max_bytes=LIMIT)(scope, receive, send)

    # 4 x 600 > 2048: reading stopped at the fourth chunk, the fifth was never asked for.
    assert reached_app == [] and len(messages) == 1
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["code"] == "payload_too_large"


async def test_disconnect_before_the_body_reaches_the_app_as_such() -> None:
    received: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        received.append(await receive())

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        raise AssertionError("nothing is sent to a client that left")

    scope = {"type": "http", "method": "POST", "path": "/orders", "headers": []}
    await BodySizeLimit(app, max_bytes=LIMIT)(scope, receive, send)

    assert received == [{"type": "http.disconnect"}]
