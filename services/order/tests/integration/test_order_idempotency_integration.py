"""Idempotency-Key against the real order process: replays, refusals, concurrent retries, expired keys."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from shop_devtools.testing.events import EventCapture, capture_events
from shop_devtools.testing.fixtures import AwsClients
from shop_shared.topology import DeployedTopology

if TYPE_CHECKING:
    from conftest import AuthHeaders

pytestmark = pytest.mark.integration

DEADLINE_SECONDS = 20.0


def order_body(customer_id: str, quantity: int = 2) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "currency": "USD",
        "items": [{"sku": "SKU-1", "quantity": quantity, "unit_price": "19.99"}],
        "payment_token": "tok_success",
        "contact": {"phone": "+15555550100"},
    }


def created_for(customer_id: str) -> dict[str, Any]:
    return {
        "source": ["shop.order"],
        "detail-type": ["order.created"],
        "detail": {"data": {"customer_id": [customer_id]}},
    }


async def stored_order_ids(aws: AwsClients, deployed_topology: DeployedTopology, customer_id: str) -> list[str]:
    response = await aws.dynamodb.scan(
        TableName=deployed_topology.name("orders"),
        FilterExpression="customer_id = :customer",
        ExpressionAttributeValues={":customer": {"S": customer_id}},
        ConsistentRead=True,
    )
    return [item["order_id"]["S"] for item in response["Items"]]


async def announced_once(captured: EventCapture, order_id: str) -> None:
    """One order.created for `order_id` arrives, and no second one (by event id or by order) follows."""
    [envelope] = await captured.wait_for(timeout=DEADLINE_SECONDS)
    assert envelope.data.order_id == order_id
    await captured.listen(3)
    assert len(captured.received) == 1, [event.data.order_id for event in captured.received]


async def test_retry_with_the_same_key_gets_the_first_answer_and_no_second_order(
    order_api: httpx.AsyncClient, aws: AwsClients, deployed_topology: DeployedTopology, auth_headers: AuthHeaders
) -> None:
    customer_id = f"idem-{uuid.uuid4().hex}"
    signed_in = auth_headers(customer_id, order_body(customer_id)["contact"])
    key = str(uuid.uuid4())

    async with capture_events(deployed_topology.bus_name, created_for(customer_id)) as captured:
        first = await order_api.post(
            "/orders", json=order_body(customer_id), headers={"Idempotency-Key": key, **signed_in}
        )
        # The same order written differently: a price as a number, keys in another order, compact JSON.
        same_order = dict(reversed(list(order_body(customer_id).items())))
        same_order["items"] = [{"unit_price": 19.99, "quantity": 2, "sku": "SKU-1"}]
        retry = await order_api.post(
            "/orders",
            content=json.dumps(same_order, separators=(",", ":")),
            headers={"Idempotency-Key": key, "Content-Type": "application/json", **signed_in},
        )
        assert first.status_code == 201, first.text
        await announced_once(captured, first.json()["order_id"])

    assert retry.status_code == 201
    assert retry.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert retry.content == first.content
    assert retry.headers["Location"] == first.headers["Location"]
    assert await stored_order_ids(aws, deployed_topology, customer_id) == [first.json()["order_id"]]


async def test_same_key_with_another_body_is_422_and_changes_nothing(
    order_api: httpx.AsyncClient, aws: AwsClients, deployed_topology: DeployedTopology, auth_headers: AuthHeaders
) -> None:
    customer_id = f"idem-{uuid.uuid4().hex}"
    signed_in = auth_headers(customer_id, order_body(customer_id)["contact"])
    key = str(uuid.uuid4())
    first = await order_api.post("/orders", json=order_body(customer_id), headers={"Idempotency-Key": key, **signed_in})

    other = await order_api.post(
        "/orders", json=order_body(customer_id, quantity=3), headers={"Idempotency-Key": key, **signed_in}
    )

    assert first.status_code == 201
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert await stored_order_ids(aws, deployed_topology, customer_id) == [first.json()["order_id"]]


async def test_concurrent_requests_with_one_key_create_exactly_one_order(
    order_api: httpx.AsyncClient, aws: AwsClients, deployed_topology: DeployedTopology, auth_headers: AuthHeaders
) -> None:
    customer_id = f"idem-{uuid.uuid4().hex}"
    signed_in = auth_headers(customer_id, order_body(customer_id)["contact"])
    key = str(uuid.uuid4())

    async with capture_events(deployed_topology.bus_name, created_for(customer_id)) as captured:
        answers = await asyncio.gather(
            *(
                order_api.post("/orders", json=order_body(customer_id), headers={"Idempotency-Key": key, **signed_in})
                for _ in range(10)
            )
        )
        assert [answer.status_code for answer in answers] == [201] * 10, [answer.text for answer in answers]
        order_ids = {answer.json()["order_id"] for answer in answers}
        assert len(order_ids) == 1
        [order_id] = order_ids
        await announced_once(captured, order_id)

    assert sum(answer.headers.get("Idempotent-Replayed") == "true" for answer in answers) == 9
    assert len({answer.content for answer in answers}) == 1
    assert await stored_order_ids(aws, deployed_topology, customer_id) == [order_id]


async def test_expired_key_is_free_for_a_new_order(
    order_api: httpx.AsyncClient, aws: AwsClients, deployed_topology: DeployedTopology, auth_headers: AuthHeaders
) -> None:
    customer_id = f"idem-{uuid.uuid4().hex}"
    signed_in = auth_headers(customer_id, order_body(customer_id)["contact"])
    key = str(uuid.uuid4())
    table = deployed_topology.name("order-idempotency")
    old_order_id = str(uuid.uuid4())
    # A record past its TTL that DynamoDB has not deleted yet (deletion is lazy, up to days late).
    expired_at = int(time.time()) - 10
    await aws.dynamodb.put_item(
        TableName=table,
        Item={
            "idempotency_key": {"S": key},
            "request_hash": {"S": "0" * 64},
            "order_id": {"S": old_order_id},
            "response_status": {"N": "201"},
            "response_body": {"S": json.dumps({"order_id": old_order_id})},
            "created_at": {"S": "2025-11-27T09:30:00+00:00"},
            "expires_at": {"N": str(expired_at)},
        },
    )

    created = await order_api.post(
        "/orders", json=order_body(customer_id), headers={"Idempotency-Key": key, **signed_in}
    )

    assert created.status_code == 201, created.text
    assert "Idempotent-Replayed" not in created.headers
    order_id = created.json()["order_id"]
    assert order_id != old_order_id
    assert await stored_order_ids(aws, deployed_topology, customer_id) == [order_id]
    record = (await aws.dynamodb.get_item(TableName=table, Key={"idempotency_key": {"S": key}}, ConsistentRead=True))[
        "Item"
    ]
    assert record["order_id"]["S"] == order_id
    assert int(record["expires_at"]["N"]) >= int(time.time()) + 86_400 - 60
    assert json.loads(record["response_body"]["S"]) == created.json()
    # From now on the key is bound to the new order.
    retry = await order_api.post("/orders", json=order_body(customer_id), headers={"Idempotency-Key": key, **signed_in})
    assert retry.headers["Idempotent-Replayed"] == "true" and retry.json()["order_id"] == order_id
