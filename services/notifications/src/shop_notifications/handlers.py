"""One handler per consumed event: find the contact, render the template, send it exactly once."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from shop_shared.contracts import EventEnvelope, LoyaltyTierChanged, OrderCreated, PaymentFailed

from shop_notifications.domain import templates
from shop_notifications.domain.contact import Channel, Contact
from shop_notifications.domain.exceptions import ContactNotFound, NotificationInProgress, SendRejected
from shop_notifications.domain.notification import ClaimOutcome, new_notification
from shop_notifications.domain.templates import RenderedMessage
from shop_notifications.ports import ContactDecryptor, ContactDirectory, MessageSender, NotificationRepository

__all__ = [
    "Dependencies",
    "deliver",
    "handle_order_created",
    "handle_payment_failed",
    "handle_tier_changed",
]

logger = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Dependencies:
    contacts: ContactDirectory
    decryptor: ContactDecryptor
    notifications: NotificationRepository
    senders: Mapping[Channel, MessageSender]
    # Shorter than the queue's visibility timeout, so a redelivery after a crash always takes over.
    sending_lease: timedelta = timedelta(seconds=30)
    clock: Callable[[], datetime] = field(default=utc_now)


async def handle_order_created(envelope: EventEnvelope[OrderCreated], deps: Dependencies) -> None:
    event = envelope.data
    # Decrypt first: a ciphertext we cannot read must not replace a good one in the directory.
    contact = await deps.decryptor.decrypt(event.contact_ciphertext, customer_id=event.customer_id)
    await deps.contacts.save(event.customer_id, event.contact_ciphertext, envelope.metadata.occurred_at)
    message = templates.order_confirmed(event.order_id, event.total, event.currency)
    await deliver(envelope, event.customer_id, contact, message, deps)


async def handle_payment_failed(envelope: EventEnvelope[PaymentFailed], deps: Dependencies) -> None:
    event = envelope.data
    contact = await contact_on_file(event.customer_id, deps)
    message = templates.payment_failed(event.order_id, event.amount, event.currency, event.reason_code)
    await deliver(envelope, event.customer_id, contact, message, deps)


async def handle_tier_changed(envelope: EventEnvelope[LoyaltyTierChanged], deps: Dependencies) -> None:
    event = envelope.data
    contact = await contact_on_file(event.customer_id, deps)
    message = templates.tier_changed(event.previous_tier, event.new_tier)
    await deliver(envelope, event.customer_id, contact, message, deps)


async def contact_on_file(customer_id: str, deps: Dependencies) -> Contact:
    """The directory's contact; raising when there is none yet makes SQS redeliver the event later."""
    ciphertext = await deps.contacts.ciphertext_of(customer_id)
    if ciphertext is None:
        raise ContactNotFound(customer_id)
    return await deps.decryptor.decrypt(ciphertext, customer_id=customer_id)


async def deliver(
    envelope: EventEnvelope[Any], customer_id: str, contact: Contact, message: RenderedMessage, deps: Dependencies
) -> None:
    """Claim the record, send, then record the outcome: a duplicate delivery never sends again."""
    now = deps.clock()
    notification = new_notification(
        customer_id=customer_id,
        event_id=str(envelope.metadata.event_id),
        event_type=envelope.metadata.event_type,
        contact=contact,
        message=message,
        now=now,
    )
    log_context = {
        "customer_id": customer_id,
        "notification_id": notification.notification_id,
        "channel": str(contact.channel),
    }
    outcome = await deps.notifications.claim(notification, stale_before=now - deps.sending_lease)
    if outcome is ClaimOutcome.ALREADY_SENT:
        logger.info("notification already sent; duplicate delivery ignored", extra=log_context)
        return
    if outcome is ClaimOutcome.IN_PROGRESS:
        raise NotificationInProgress(f"notification {notification.notification_id} is being sent by another delivery")
    try:
        provider_message_id = await deps.senders[contact.channel].send(contact.address, message)
    except Exception as error:
        await _record_failure(customer_id, notification.notification_id, error, deps)
        raise
    await deps.notifications.mark_sent(
        customer_id, notification.notification_id, provider_message_id=provider_message_id, sent_at=deps.clock()
    )
    logger.info("notification sent", extra=log_context)


async def _record_failure(customer_id: str, notification_id: str, error: Exception, deps: Dependencies) -> None:
    description = type(error).__name__
    if isinstance(error, SendRejected):
        description = f"{description}: {error.code}"
    try:
        await deps.notifications.mark_failed(customer_id, notification_id, error=description, failed_at=deps.clock())
    except Exception:
        # The send error is what matters; the redelivery finds the record SENDING and takes over later.
        logger.warning("could not record the failed send", exc_info=True, extra={"notification_id": notification_id})
