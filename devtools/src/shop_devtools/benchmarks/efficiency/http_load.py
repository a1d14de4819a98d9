"""The same HTTP load for both designs: N orders from a fixed number of concurrent clients, and their answers.

Every order is its own customer's, sent with that customer's bearer token (minted before the clock starts): the
order service verifies it, the bare handler ignores it, so the token's verification is in the design's CPU."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from shop_devtools.dev_issuer import CustomerTokens

__all__ = ["CONTACT", "LoadResult", "order_body", "order_customers", "post_orders"]

REQUEST_TIMEOUT_SECONDS = 30.0
CONTACT = {"email": "bench@example.com"}  # every bench order's contact, a verified claim of its token


def order_body(customer_id: str) -> dict[str, Any]:
    """A valid `POST /orders` body of two lines."""
    return {
        "customer_id": customer_id,
        "currency": "EUR",
        "items": [
            {"sku": "SKU-1", "quantity": 2, "unit_price": "19.99"},
            {"sku": "SKU-2", "quantity": 1, "unit_price": "5.00"},
        ],
        "payment_token": "tok_success",  # the simulated provider charges it
        "contact": dict(CONTACT),
    }


def order_customers(customer_prefix: str, count: int) -> dict[str, dict[str, str]]:
    """The customers of `post_orders(count, customer_prefix=...)` and their contact, to mint their tokens first."""
    return {f"{customer_prefix}-{number}": CONTACT for number in range(count)}


@dataclass
class LoadResult:
    accepted: int = 0
    errors: dict[str, int] = field(default_factory=dict)  # status or exception name -> count
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # seconds of each accepted request


async def post_orders(
    base_url: str, count: int, *, concurrency: int, customer_prefix: str, tokens: CustomerTokens
) -> LoadResult:
    """`count` orders, `concurrency` at a time (a closed loop: both designs get exactly the same requests)."""
    await asyncio.to_thread(tokens.prepare, order_customers(customer_prefix, count))  # before the clock starts
    result = LoadResult()
    next_number = iter(range(count))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def client_loop(client: httpx.AsyncClient) -> None:
        for number in next_number:
            customer = f"{customer_prefix}-{number}"
            headers = {"Idempotency-Key": str(uuid.uuid4())} | tokens.headers(customer, CONTACT)
            began = time.perf_counter()
            try:
                answer = await client.post("/orders", json=order_body(customer), headers=headers)
            except httpx.HTTPError as error:
                name = type(error).__name__
                result.errors[name] = result.errors.get(name, 0) + 1
                continue
            if answer.status_code == 201:
                result.accepted += 1
                result.latencies.append(time.perf_counter() - began)
            else:
                name = str(answer.status_code)
                result.errors[name] = result.errors.get(name, 0) + 1

    async with httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT_SECONDS, limits=limits) as client:
        began = time.perf_counter()
        await asyncio.gather(*(client_loop(client) for _ in range(concurrency)))
        result.seconds = time.perf_counter() - began
    return result
