"""The composition root: opens the AWS clients and wires loyalty's accounts, the outbox and the worker pool."""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass

import aioboto3
from shop_loyalty.tiers import DynamoDbAccounts
from shop_shared.activity import ActivityWorkerPool
from shop_shared.aws import LONG_POLL_READ_TIMEOUT, open_client
from shop_shared.composition import Container, utc_now
from shop_shared.lifecycle import SHUTDOWN_MARGIN_SECONDS
from shop_shared.messaging import EventBridgePublisher
from shop_shared.outbox import DynamoDbOutbox, DynamoDbUnitOfWork, OutboxRelay

from shop_batch_worker.entrypoints.worker import task_handlers
from shop_batch_worker.settings import BatchSettings

__all__ = ["BatchWorkerContainer", "bootstrap"]


@dataclass(kw_only=True)
class BatchWorkerContainer(Container):
    """The batch worker serves no route but /health: its `background` is the activity pool and the outbox sweep."""


async def bootstrap(settings: BatchSettings, stack: AsyncExitStack) -> BatchWorkerContainer:
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
    pool = ActivityWorkerPool(
        sfn,
        settings.activity_arn,
        handlers,
        worker_name=settings.worker_name,
        max_concurrent_tasks=settings.max_concurrent_tasks,
        heartbeat_interval_seconds=settings.heartbeat_interval_seconds,
        # What is unfinished then is failed back to Step Functions, inside the service's own grace.
        shutdown_grace_seconds=max(0.0, settings.shutdown_grace_seconds - SHUTDOWN_MARGIN_SECONDS),
    )
    return BatchWorkerContainer(clock=utc_now, background={"activity-workers": pool.run, "outbox-relay": relay.run})
