"""The composition root: opens the AWS and partner clients and wires adapters, handlers and the consumer."""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass

import aioboto3
import httpx
from shop_shared.auth import TokenVerifier, open_token_verifier
from shop_shared.aws import LONG_POLL_READ_TIMEOUT, open_client
from shop_shared.composition import Container, utc_now
from shop_shared.messaging import SqsEventConsumer, service_consumer_options
from shop_shared.outbox import DynamoDbUnitOfWork

from shop_loyalty.adapters import (
    DynamoDbAccounts,
    DynamoDbLedger,
    DynamoDbPartnerNotes,
    HttpLoyaltyPartner,
)
from shop_loyalty.entrypoints.worker import event_handlers
from shop_loyalty.ports import AccountRepository
from shop_loyalty.settings import LoyaltySettings

__all__ = ["LoyaltyContainer", "bootstrap"]


@dataclass(kw_only=True)
class LoyaltyContainer(Container):
    """What the entry points use: the accounts for the read side, the token verifier; the order-events consumer runs
    in `background`."""

    accounts: AccountRepository
    token_verifier: TokenVerifier


async def bootstrap(settings: LoyaltySettings, stack: AsyncExitStack) -> LoyaltyContainer:
    session = aioboto3.Session(region_name=settings.aws_region)
    dynamodb = await open_client(stack, session, "dynamodb")
    sqs = await open_client(stack, session, "sqs", read_timeout=LONG_POLL_READ_TIMEOUT)
    queue_url = (await sqs.get_queue_url(QueueName=settings.order_events_queue))["QueueUrl"]
    accounts = DynamoDbAccounts(dynamodb, settings.accounts_table)
    partner_timeout = httpx.Timeout(
        settings.partner_read_timeout_seconds, connect=settings.partner_connect_timeout_seconds
    )
    partner_client = await stack.enter_async_context(
        httpx.AsyncClient(base_url=settings.partner_url, timeout=partner_timeout)
    )
    partner = HttpLoyaltyPartner(
        partner_client,
        max_attempts=settings.partner_max_attempts,
        backoff_initial_seconds=settings.partner_backoff_initial_seconds,
        backoff_max_seconds=settings.partner_backoff_max_seconds,
    )
    handlers = event_handlers(
        accounts=accounts,
        ledger=DynamoDbLedger(settings.ledger_table),
        # Loyalty's own handlers emit no events, so their unit of work has no outbox.
        unit_of_work=DynamoDbUnitOfWork(dynamodb),
        partner=partner,
        partner_notes=DynamoDbPartnerNotes(dynamodb, settings.ledger_table),
        clock=utc_now,
        credit_max_attempts=settings.credit_max_attempts,
    )
    options = service_consumer_options("loyalty", settings.order_events_queue, settings)
    consumer = SqsEventConsumer(sqs, queue_url, handlers, **options)
    return LoyaltyContainer(
        accounts=accounts,
        token_verifier=await open_token_verifier(stack, settings),
        clock=utc_now,
        background={"order-events-consumer": consumer.run},
    )
