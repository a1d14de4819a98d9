"""The composition root: opens the AWS clients and wires adapters, handlers and the SQS consumer."""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, overload

import aioboto3
from shop_shared.auth import TokenVerifier, open_token_verifier
from shop_shared.aws import LONG_POLL_READ_TIMEOUT, open_client
from shop_shared.composition import Container
from shop_shared.contracts import Channel
from shop_shared.messaging import SqsEventConsumer, service_consumer_options

from shop_notifications.adapters.contact_decryption import KmsContactDecryptor
from shop_notifications.adapters.contact_directory import DynamoDbContactDirectory
from shop_notifications.adapters.destination_counts import DynamoDbDestinationCounter
from shop_notifications.adapters.destination_key import read_destination_key
from shop_notifications.adapters.email import SesEmailSender
from shop_notifications.adapters.metrics import EmfDeliveryMetrics
from shop_notifications.adapters.notification_repository import DynamoDbNotificationRepository
from shop_notifications.adapters.sms import SnsSmsSender
from shop_notifications.entrypoints.worker import event_handlers
from shop_notifications.handlers import Dependencies
from shop_notifications.ports import NotificationRepository
from shop_notifications.settings import NotificationsSettings

if TYPE_CHECKING:
    from types_aiobotocore_ses import SESClient
    from types_aiobotocore_sns import SNSClient

__all__ = ["NotificationsContainer", "bootstrap", "open_sender_client"]


@dataclass(kw_only=True)
class NotificationsContainer(Container):
    """What the API reads (the notification records) and checks tokens with; the SQS consumer runs in `background`."""

    notifications: NotificationRepository
    token_verifier: TokenVerifier


async def bootstrap(settings: NotificationsSettings, stack: AsyncExitStack) -> NotificationsContainer:
    """Build the service on AWS; every client closes with `stack`."""
    session = aioboto3.Session(region_name=settings.aws_region)
    dynamodb = await open_client(stack, session, "dynamodb")
    kms = await open_client(stack, session, "kms")
    sns = await open_sender_client(stack, session, "sns", send_timeout_seconds=settings.send_timeout_seconds)
    ses = await open_sender_client(stack, session, "ses", send_timeout_seconds=settings.send_timeout_seconds)
    sqs = await open_client(stack, session, "sqs", read_timeout=LONG_POLL_READ_TIMEOUT)
    secretsmanager = await open_client(stack, session, "secretsmanager")
    digest_key = await read_destination_key(secretsmanager, settings.destination_key_secret_id)
    queue_url = (await sqs.get_queue_url(QueueName=settings.events_queue))["QueueUrl"]

    deps = Dependencies(
        contacts=DynamoDbContactDirectory(dynamodb, settings.contacts_table),
        decryptor=KmsContactDecryptor(kms, settings.contact_key_id),
        notifications=DynamoDbNotificationRepository(dynamodb, settings.table),
        senders={Channel.SMS: SnsSmsSender(sns), Channel.EMAIL: SesEmailSender(ses, settings.email_sender)},
        destinations=DynamoDbDestinationCounter(dynamodb, settings.destination_counts_table),
        destination_cap=settings.destination_cap(digest_key),
        sending_lease=settings.sending_lease,
        send_timeout=settings.send_timeout,
        metrics=EmfDeliveryMetrics(),
    )
    options = service_consumer_options("notifications", settings.events_queue, settings)
    consumer = SqsEventConsumer(sqs, queue_url, event_handlers(deps), **options)
    return NotificationsContainer(
        notifications=deps.notifications,
        token_verifier=await open_token_verifier(stack, settings),
        clock=deps.clock,
        background={"events-consumer": consumer.run},
    )


@overload
async def open_sender_client(
    stack: AsyncExitStack, session: aioboto3.Session, service: Literal["sns"], *, send_timeout_seconds: float
) -> SNSClient: ...


@overload
async def open_sender_client(
    stack: AsyncExitStack, session: aioboto3.Session, service: Literal["ses"], *, send_timeout_seconds: float
) -> SESClient: ...


async def open_sender_client(
    stack: AsyncExitStack, session: aioboto3.Session, service: Literal["sns", "ses"], *, send_timeout_seconds: float
) -> SNSClient | SESClient:
    """A client for SNS or SES that makes one attempt per call.

    botocore's standard retry mode would resend a timed-out or 5xx publish by itself: a duplicate whatever
    the template's policy (adapters/send_errors.py). The handler's asyncio.timeout bounds the whole call;
    the read timeout is the same, so botocore reports a silent provider before it.
    """
    # botocore's `max_attempts` counts retries (the first attempt not included): 0 is one attempt.
    if service == "sns":
        return await open_client(stack, session, "sns", read_timeout=send_timeout_seconds, max_attempts=0)
    return await open_client(stack, session, "ses", read_timeout=send_timeout_seconds, max_attempts=0)
