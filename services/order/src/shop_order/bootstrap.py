"""The composition root: opens the AWS clients and the token verifier, wires adapters, handlers' ports and loops."""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass

import aioboto3
from shop_shared.auth import TokenVerifier, open_token_verifier
from shop_shared.aws import LONG_POLL_READ_TIMEOUT, open_client
from shop_shared.composition import Container
from shop_shared.messaging import EventBridgePublisher, SqsEventConsumer, service_consumer_options
from shop_shared.outbox import BackgroundPublisher, DynamoDbOutbox, DynamoDbUnitOfWork, OutboxRelay

from .adapters import (
    DynamoDbIdempotencyRecords,
    DynamoDbOrderRateLimiter,
    DynamoDbOrderRepository,
    KmsContactEncryption,
)
from .entrypoints.worker import payment_outcome_handlers
from .handlers import RateLimiting
from .ports import ContactEncryption, OrderRepository
from .settings import OrderSettings

__all__ = ["OrderContainer", "bootstrap"]


@dataclass(kw_only=True)
class OrderContainer(Container):
    """Everything the entry points need; tests build one from fakes."""

    repository: OrderRepository
    contact_encryption: ContactEncryption
    token_verifier: TokenVerifier
    rate_limiting: RateLimiting


async def bootstrap(settings: OrderSettings, stack: AsyncExitStack) -> OrderContainer:
    """Clients live as long as `stack` (the app's lifespan)."""
    session = aioboto3.Session(region_name=settings.aws_region)
    dynamodb = await open_client(stack, session, "dynamodb")
    kms = await open_client(stack, session, "kms")
    # Few attempts: a PutEvents to a failing bus must not hold an order's answer; the outbox relay retries later.
    events = await open_client(stack, session, "events", max_attempts=settings.events_max_attempts)
    sqs = await open_client(stack, session, "sqs", read_timeout=LONG_POLL_READ_TIMEOUT)

    outbox = DynamoDbOutbox(dynamodb, settings.outbox_table)
    relay = OutboxRelay(
        outbox,
        EventBridgePublisher(events, settings.event_bus_name),
        sweep_interval_seconds=settings.outbox_sweep_interval_seconds,
        sweep_min_age_seconds=settings.outbox_sweep_min_age_seconds,
    )
    # The answer to POST /orders does not wait for PutEvents: committed events are sent in batches behind it.
    after_commit = BackgroundPublisher(relay, hand_over_after_seconds=settings.outbox_sweep_min_age_seconds)
    repository = DynamoDbOrderRepository(
        dynamodb,
        settings.orders_table,
        DynamoDbUnitOfWork(dynamodb, outbox, after_commit),
        DynamoDbIdempotencyRecords(dynamodb, settings.idempotency_table),
    )
    queue_url = (await sqs.get_queue_url(QueueName=settings.payment_outcomes_queue))["QueueUrl"]
    consumer = SqsEventConsumer(
        sqs,
        queue_url,
        payment_outcome_handlers(repository),
        **service_consumer_options("order", settings.payment_outcomes_queue, settings),
    )
    return OrderContainer(
        repository=repository,
        contact_encryption=KmsContactEncryption(kms, settings.contact_key_id),
        token_verifier=await open_token_verifier(stack, settings),
        rate_limiting=RateLimiting(DynamoDbOrderRateLimiter(dynamodb, settings.rate_limits_table), settings.rate_limit),
        background={
            "publish-after-commit": after_commit.run,
            "outbox-relay": relay.run,
            "payment-outcomes": consumer.run,
        },
    )
