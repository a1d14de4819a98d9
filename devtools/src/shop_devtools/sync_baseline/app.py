"""The synchronous checkout: KMS, then the provider, then the partner, then DynamoDB, all before the answer."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import aioboto3
import httpx
from fastapi import Depends, FastAPI, Response, status
from shop_loyalty.domain import points_for_order
from shop_order.adapters import KmsContactEncryption
from shop_order.adapters.order_items import order_to_item
from shop_order.domain import Order, OrderStatus, PlaceOrder
from shop_order.entrypoints.schemas import OrderView
from shop_shared.aws import open_client
from shop_shared.composition import Container
from shop_shared.http import ApiError, components, create_service_app

from .settings import SyncBaselineSettings

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

__all__ = ["BaselineContainer", "bootstrap", "create_app"]

CONNECT_TIMEOUT_SECONDS = 2.0


@dataclass(kw_only=True)
class BaselineContainer(Container):
    dynamodb: DynamoDBClient
    contact_encryption: KmsContactEncryption
    provider: httpx.AsyncClient
    partner: httpx.AsyncClient
    slots: asyncio.Semaphore | None  # None: no limit


async def bootstrap(settings: SyncBaselineSettings, stack: AsyncExitStack) -> BaselineContainer:
    session = aioboto3.Session(region_name=settings.aws_region)
    dynamodb = await open_client(stack, session, "dynamodb", pool_size=100)
    kms = await open_client(stack, session, "kms", pool_size=100)
    timeout = httpx.Timeout(settings.call_timeout_seconds, connect=CONNECT_TIMEOUT_SECONDS)
    # No connection limit: the slots are the only bound, so a slow partner queues requests there, visibly.
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=100)
    provider = await stack.enter_async_context(
        httpx.AsyncClient(base_url=settings.provider_url, timeout=timeout, limits=limits)
    )
    partner = await stack.enter_async_context(
        httpx.AsyncClient(base_url=settings.partner_url, timeout=timeout, limits=limits)
    )
    return BaselineContainer(
        dynamodb=dynamodb,
        contact_encryption=KmsContactEncryption(kms, settings.contact_key_id),
        provider=provider,
        partner=partner,
        slots=asyncio.Semaphore(settings.slots) if settings.slots else None,
    )


Services = Annotated[BaselineContainer, Depends(components)]


def create_app(settings: SyncBaselineSettings) -> FastAPI:
    app = create_service_app(settings, title="Synchronous baseline (benchmark fixture)", build=bootstrap)

    @app.post("/orders", status_code=status.HTTP_201_CREATED, response_model=OrderView)
    async def create_order(command: PlaceOrder, services: Services) -> Response:
        slot = services.slots if services.slots is not None else contextlib.nullcontext()
        async with slot:  # wait for a free worker, as a request does in a thread-pool server
            order = await checkout(command, services, settings.orders_table)
        return Response(
            content=OrderView.from_order(order).model_dump_json(),
            status_code=status.HTTP_201_CREATED,
            media_type="application/json",
            headers={"Location": f"/orders/{order.order_id}"},
        )

    return app


async def checkout(command: PlaceOrder, services: BaselineContainer, table: str) -> Order:
    """Charge, credit the points, store the settled order; any third party failing fails the checkout (503)."""
    ciphertext = await services.contact_encryption.encrypt(command.contact, customer_id=command.customer_id)
    order = Order.place(  # the synchronous chain announces nothing: no order.created event
        command, order_id=str(uuid.uuid4()), created_event_id=None, contact_ciphertext=ciphertext, at=services.clock()
    )
    outcome = await _charge(services.provider, order, command.payment_token)
    if outcome is OrderStatus.PAID:
        await _credit(services.partner, order)
    order = order.record_payment_outcome(outcome, services.clock())
    await services.dynamodb.put_item(
        TableName=table, Item=order_to_item(order), ConditionExpression="attribute_not_exists(order_id)"
    )
    return order


async def _charge(provider: httpx.AsyncClient, order: Order, token: str) -> OrderStatus:
    body = {
        "amount": str(order.total),
        "currency": order.currency,
        "token": token,
        "idempotency_key": order.order_id,
        "metadata": {"order_id": order.order_id},
    }
    response = await _call(provider, "/v1/charges", body, "payment_provider_unavailable")
    if response.status_code == 201:
        return OrderStatus.PAID
    if response.status_code == 402:
        return OrderStatus.PAYMENT_FAILED
    raise ApiError(503, "payment_provider_unavailable", f"the payment provider answered {response.status_code}")


async def _credit(partner: httpx.AsyncClient, order: Order) -> None:
    body = {"customer_id": order.customer_id, "order_id": order.order_id, "points": points_for_order(order.total)}
    response = await _call(partner, "/v1/credits", body, "loyalty_partner_unavailable")
    if response.status_code not in (200, 201):
        raise ApiError(503, "loyalty_partner_unavailable", f"the loyalty partner answered {response.status_code}")


async def _call(client: httpx.AsyncClient, path: str, body: Mapping[str, object], code: str) -> httpx.Response:
    try:
        return await client.post(path, json=body)
    except httpx.HTTPError as error:
        raise ApiError(503, code, f"{path} failed: {type(error).__name__}") from error
