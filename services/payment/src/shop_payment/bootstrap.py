"""The composition root: the only place that opens AWS clients and the provider's HTTP client."""

from __future__ import annotations

import functools
import os
import socket
import uuid
from contextlib import AsyncExitStack
from dataclasses import dataclass

import aioboto3
import httpx
from shop_shared.aws import open_client
from shop_shared.composition import Clock, Container, utc_now
from shop_shared.messaging import EventBridgePublisher
from shop_shared.outbox import DynamoDbOutbox, OutboxRelay

from . import handlers
from .adapters.api_keys import ApiKeyVerifier, SecretsManagerApiKeySource
from .adapters.payment_provider import HttpPaymentProvider
from .adapters.payments_repository import DynamoDbPaymentRepository
from .adapters.provider_guard import ProviderGuard
from .domain import RetryPolicy
from .metrics import PaymentMetrics
from .ports import EventRelay, PaymentProvider, PaymentRepository
from .processing import PaymentProcessor
from .settings import PaymentSettings

__all__ = ["PaymentContainer", "assemble", "bootstrap", "work_rules", "worker_id"]


@dataclass(kw_only=True)
class PaymentContainer(Container):
    """Everything the entry points need; unit tests build one from fakes with `assemble`."""

    repository: PaymentRepository
    api_keys: ApiKeyVerifier
    relay: EventRelay
    processor: PaymentProcessor
    work: handlers.PaymentWork

    async def drain(self, grace_seconds: float) -> None:
        """Payments in flight first (their events go through the outbox); the relay then gets what is left."""
        await self.processor.shutdown(grace_seconds)


def worker_id() -> str:
    """This process's lease owner id: unique per start, readable in logs (which host, which process)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def work_rules(settings: PaymentSettings, owner: str | None = None) -> handlers.PaymentWork:
    return handlers.PaymentWork(
        owner=owner or worker_id(),
        lease_seconds=settings.lease_seconds,
        step_timeout_seconds=settings.step_timeout_seconds,
        policy=RetryPolicy(
            backoff_initial_seconds=settings.retry_backoff_initial_seconds,
            backoff_max_seconds=settings.retry_backoff_max_seconds,
            give_up_after_seconds=settings.give_up_after_seconds,
            late_charge_audit_after_seconds=settings.late_charge_audit_after_seconds,
        ),
    )


def assemble(
    *,
    repository: PaymentRepository,
    provider: PaymentProvider,
    api_keys: ApiKeyVerifier,
    relay: EventRelay,
    work: handlers.PaymentWork,
    max_concurrent_payments: int,
    sweep_interval_seconds: float = 5.0,
    clock: Clock = utc_now,
) -> PaymentContainer:
    """Wire the handlers to their ports and the background loops; unit tests call this with fakes."""
    process = functools.partial(
        handlers.process_payment,
        repository=repository,
        provider=provider,
        relay=relay,
        work=work,
        metrics=PaymentMetrics(),
    )

    async def list_due(limit: int) -> list[str]:
        return await repository.due_ids(now=clock(), limit=limit)

    processor = PaymentProcessor(
        process, list_due, max_concurrent=max_concurrent_payments, sweep_interval_seconds=sweep_interval_seconds
    )
    return PaymentContainer(
        repository=repository,
        api_keys=api_keys,
        relay=relay,
        processor=processor,
        work=work,
        clock=clock,
        # The due-work sweep gives every payment whose step is due (or whose worker died) its next step.
        background={"outbox-relay": relay.run, "due-work-sweep": processor.run},
    )


async def bootstrap(settings: PaymentSettings, stack: AsyncExitStack) -> PaymentContainer:
    """Clients live as long as `stack` (the app's lifespan)."""
    session = aioboto3.Session(region_name=settings.aws_region)
    dynamodb = await open_client(stack, session, "dynamodb")
    events = await open_client(stack, session, "events")
    secretsmanager = await open_client(stack, session, "secretsmanager")

    api_keys = ApiKeyVerifier(
        SecretsManagerApiKeySource(secretsmanager, settings.api_key_secret_id),
        reread_interval_seconds=settings.api_key_reread_interval_seconds,
        previous_grace=settings.api_key_previous_grace,
    )
    await api_keys.load()

    http_client = await stack.enter_async_context(
        httpx.AsyncClient(
            base_url=settings.provider_url,
            timeout=httpx.Timeout(
                connect=settings.provider_connect_timeout_seconds,
                read=settings.provider_read_timeout_seconds,
                write=settings.provider_connect_timeout_seconds,
                pool=settings.provider_read_timeout_seconds,
            ),
            limits=httpx.Limits(max_connections=settings.max_concurrent_payments),
        )
    )
    guard = ProviderGuard(
        rate_limit_per_second=settings.provider_rate_limit_per_second,
        failure_threshold=settings.provider_circuit_failure_threshold,
        recovery_seconds=settings.provider_circuit_recovery_seconds,
    )
    provider = HttpPaymentProvider(
        http_client,
        guard=guard,
        max_attempts=settings.provider_max_attempts,
        backoff_initial_seconds=settings.provider_backoff_initial_seconds,
        backoff_max_seconds=settings.provider_backoff_max_seconds,
        max_retry_after_seconds=settings.provider_max_retry_after_seconds,
    )

    outbox = DynamoDbOutbox(dynamodb, settings.outbox_table)
    relay = OutboxRelay(
        outbox,
        EventBridgePublisher(events, settings.event_bus_name),
        sweep_interval_seconds=settings.outbox_sweep_interval_seconds,
    )
    return assemble(
        repository=DynamoDbPaymentRepository(dynamodb, settings.payments_table, outbox),
        provider=provider,
        api_keys=api_keys,
        relay=relay,
        work=work_rules(settings),
        max_concurrent_payments=settings.max_concurrent_payments,
        sweep_interval_seconds=settings.due_sweep_interval_seconds,
    )
