"""The composition root: opens the AWS clients and wires loyalty's accounts, the outbox and the worker pool."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aioboto3
from shop_loyalty.adapters import DynamoDbAccounts
from shop_shared.aws import LONG_POLL_READ_TIMEOUT, open_client
from shop_shared.messaging import EventBridgePublisher
from shop_shared.outbox import DynamoDbOutbox, DynamoDbUnitOfWork, OutboxRelay

from shop_batch_worker.entrypoints.worker import build_worker_pool, task_handlers
from shop_batch_worker.settings import BatchSettings

__all__ = ["BatchComponents", "Bootstrapper", "bootstrap", "utc_now"]

Loop = Callable[[asyncio.Event], Awaitable[None]]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class BatchComponents:
    """The loops the service runs in the background: the activity worker pool and the outbox sweep."""

    loops: dict[str, Loop] = field(default_factory=dict)


Bootstrapper = Callable[[BatchSettings, AsyncExitStack], Awaitable[BatchComponents]]


async def bootstrap(settings: BatchSettings, stack: AsyncExitStack) -> BatchComponents:
    session = aioboto3.Session(region_name=settings.aws_region)
    # Every running task may have `max_parallel_writes` transactions in flight.
    dynamodb = await open_client(
        stack, session, "dynamodb", pool_size=settings.max_concurrent_tasks * settings.max_parallel_writes + 10
    )
    # One long poll per slot, plus heartbeats and results.
    sfn = await open_client(
        stack,
        session,
        "stepfunctions",
        read_timeout=LONG_POLL_READ_TIMEOUT,
        pool_size=settings.max_concurrent_tasks * 2 + 4,
    )
    events = await open_client(stack, session, "events")
    outbox = DynamoDbOutbox(dynamodb, settings.outbox_table)
    relay = OutboxRelay(outbox, EventBridgePublisher(events, settings.event_bus_name))
    handlers = task_handlers(
        accounts=DynamoDbAccounts(dynamodb, settings.accounts_table),
        unit_of_work=DynamoDbUnitOfWork(dynamodb, outbox, relay),
        clock=utc_now,
        default_chunk_size=settings.default_chunk_size,
        max_parallel_writes=settings.max_parallel_writes,
    )
    pool = build_worker_pool(sfn, settings, handlers)
    return BatchComponents(loops={"activity-workers": pool.run, "outbox-relay": relay.run})
