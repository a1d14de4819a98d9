"""The per-customer order counters on DynamoDB (moto's server, the topology's `order-rate-limits` table): one
conditional UpdateItem per order, shared by concurrent requests, a counter per customer and window, with a TTL."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from shop_devtools.testing.fixtures import AwsClients
from shop_order.adapters import DynamoDbOrderRateLimiter
from shop_order.adapters.rate_limits import window_key
from shop_order.domain import RateLimit
from shop_shared.aws import from_item, to_item
from shop_shared.topology import DeployedTopology

pytestmark = pytest.mark.integration

LIMIT = RateLimit(orders=3, window=timedelta(seconds=60))
T0 = datetime(2025, 11, 28, 9, 30, 15, tzinfo=UTC)


@pytest.fixture
def limiter(aws: AwsClients, deployed_topology: DeployedTopology) -> DynamoDbOrderRateLimiter:
    return DynamoDbOrderRateLimiter(aws.dynamodb, deployed_topology.name("order-rate-limits"))


def a_customer() -> str:
    return f"c-{uuid.uuid4().hex[:12]}"


async def stored_count(aws: AwsClients, deployed_topology: DeployedTopology, key: str) -> dict[str, int] | None:
    response = await aws.dynamodb.get_item(
        TableName=deployed_topology.name("order-rate-limits"), Key=to_item({"window_key": key}), ConsistentRead=True
    )
    if "Item" not in response:
        return None
    return {name: int(value) for name, value in from_item(response["Item"]).items() if name != "window_key"}


async def test_a_customer_gets_the_limit_and_not_one_more(
    limiter: DynamoDbOrderRateLimiter, aws: AwsClients, deployed_topology: DeployedTopology
) -> None:
    customer, window = a_customer(), LIMIT.window_at(T0)

    answers = [await limiter.acquire(customer, window, limit=LIMIT.orders) for _ in range(5)]

    assert answers == [True, True, True, False, False]
    stored = await stored_count(aws, deployed_topology, window_key(customer, window))
    assert stored == {"order_count": 3, "expires_at": int((T0 + timedelta(seconds=45)).timestamp())}
    assert await limiter.acquire(a_customer(), window, limit=LIMIT.orders), "another customer counts apart"
    later = LIMIT.window_at(T0 + timedelta(seconds=45))
    assert await limiter.acquire(customer, later, limit=LIMIT.orders), "the next window starts from zero"


async def test_concurrent_requests_never_take_more_than_the_limit(limiter: DynamoDbOrderRateLimiter) -> None:
    customer, window = a_customer(), LIMIT.window_at(T0)

    answers = await asyncio.gather(*(limiter.acquire(customer, window, limit=10) for _ in range(25)))

    assert sum(answers) == 10


async def test_a_slot_given_back_can_be_taken_again_and_never_below_zero(
    limiter: DynamoDbOrderRateLimiter, aws: AwsClients, deployed_topology: DeployedTopology
) -> None:
    customer, window = a_customer(), LIMIT.window_at(T0)
    for _ in range(3):
        assert await limiter.acquire(customer, window, limit=LIMIT.orders)
    assert not await limiter.acquire(customer, window, limit=LIMIT.orders)

    await limiter.release(customer, window)
    assert await limiter.acquire(customer, window, limit=LIMIT.orders)

    for _ in range(5):
        await limiter.release(customer, window)
    stored = await stored_count(aws, deployed_topology, window_key(customer, window))
    assert stored is not None and stored["order_count"] == 0
    nobody = a_customer()
    await limiter.release(nobody, window)
    assert await stored_count(aws, deployed_topology, window_key(nobody, window)) is None, "nothing created"


async def test_the_table_expires_counters_by_ttl(aws: AwsClients, deployed_topology: DeployedTopology) -> None:
    described = await aws.dynamodb.describe_time_to_live(TableName=deployed_topology.name("order-rate-limits"))

    assert described["TimeToLiveDescription"] == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}
