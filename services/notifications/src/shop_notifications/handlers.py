"""One handler per consumed event: find the contact, render the template, send it once.

"Once" holds unless a send's outcome is unknown (a timeout, a dropped connection, a crash mid-send); then
the template's DeliveryPolicy decides between "maybe never" and "maybe twice" (domain/templates.py).
A destination that has had its hourly cap of messages gets no more: the notification is recorded SUPPRESSED.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from shop_shared.composition import Clock, utc_now
from shop_shared.contracts import Channel, Contact, EventEnvelope, LoyaltyTierChanged, OrderCreated, PaymentFailed

from shop_notifications.domain import templates
from shop_notifications.domain.destination_cap import DestinationCap
from shop_notifications.domain.notification import ClaimOutcome, Notification, lease_outlives_send, new_notification
from shop_notifications.domain.templates import DELIVERY_POLICIES, DeliveryPolicy, RenderedMessage, TemplateName
from shop_notifications.exceptions import ContactNotFound, NotificationInProgress, ProviderUnreachable, SendRejected
from shop_notifications.ports import (
    ContactDecryptor,
    ContactDirectory,
    DeliveryMetrics,
    DestinationCounter,
    MessageSender,
    NotificationRepository,
)

__all__ = [
    "Dependencies",
    "NoDeliveryMetrics",
    "deliver",
    "handle_order_created",
    "handle_payment_failed",
    "handle_tier_changed",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Dependencies:
    contacts: ContactDirectory
    decryptor: ContactDecryptor
    notifications: NotificationRepository
    senders: Mapping[Channel, MessageSender]
    destinations: DestinationCounter
    destination_cap: DestinationCap
    # At most half the queue's visibility timeout, so the first redelivery after a crash finds the claim stale;
    # at least the send timeout plus a margin, so a claim never goes stale while its holder may still send.
    sending_lease: timedelta = timedelta(seconds=30)
    send_timeout: timedelta = timedelta(seconds=10)
    metrics: DeliveryMetrics = field(default_factory=lambda: NoDeliveryMetrics())
    clock: Clock = field(default=utc_now)

    def __post_init__(self) -> None:
        if not lease_outlives_send(self.sending_lease, self.send_timeout):
            raise ValueError(f"sending lease {self.sending_lease} does not outlive send timeout {self.send_timeout}")


class NoDeliveryMetrics:
    async def ambiguous_send(self, template: TemplateName, policy: DeliveryPolicy) -> None:
        return None

    async def suppressed(self, template: TemplateName) -> None:
        return None


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
    """Claim the record, send, then record the outcome; what an ambiguous send becomes is the template's policy.

    A definite failure (the provider refused, or was never reached) is recorded FAILED and raised, so the
    redelivery sends it. An ambiguous one (timeout, dropped connection, 5xx) is resent only at least once;
    at most once it is recorded UNKNOWN and the event counts as handled.
    """
    now = deps.clock()
    policy = DELIVERY_POLICIES[message.template]
    notification = new_notification(
        customer_id=customer_id,
        event_id=str(envelope.metadata.event_id),
        event_type=envelope.metadata.event_type,
        contact=contact,
        message=message,
        now=now,
    )
    notification_id = notification.notification_id
    log_context = {
        "customer_id": customer_id,
        "notification_id": notification_id,
        "channel": str(contact.channel),
        "template": str(message.template),
        "policy": str(policy),
    }
    outcome = await deps.notifications.claim(notification, stale_before=now - deps.sending_lease, policy=policy)
    if outcome in (ClaimOutcome.ALREADY_SENT, ClaimOutcome.ALREADY_UNKNOWN, ClaimOutcome.ALREADY_SUPPRESSED):
        logger.info(
            "notification already settled; duplicate delivery ignored", extra={**log_context, "outcome": outcome}
        )
        return
    if outcome is ClaimOutcome.IN_PROGRESS:
        raise NotificationInProgress(f"notification {notification_id} is being sent by another delivery")
    if outcome is ClaimOutcome.ABANDONED:
        # The delivery that claimed it died mid-send: the message may have gone out. Not resent.
        logger.error("notification send outcome unknown (claim left by a dead delivery); not resent", extra=log_context)
        await deps.metrics.ambiguous_send(message.template, policy)
        return
    if outcome is ClaimOutcome.RESUMED:
        logger.warning("resending a notification whose earlier send may have gone out", extra=log_context)
        await deps.metrics.ambiguous_send(message.template, policy)
    if not await _within_destination_cap(notification, contact, deps, log_context):
        return  # recorded SUPPRESSED: the event is handled, never retried
    try:
        # Bounded, so the claim (sending_lease >= send_timeout + margin) never goes stale while we send.
        async with asyncio.timeout(deps.send_timeout.total_seconds()):
            provider_message_id = await deps.senders[contact.channel].send(contact.address, message)
    except Exception as error:
        await _record_failure(notification, policy, error, deps, log_context)
        if _definitely_not_sent(error) or policy is DeliveryPolicy.AT_LEAST_ONCE:
            raise  # the redelivery sends it (again)
        return  # at most once: recorded UNKNOWN, the event is handled
    await deps.notifications.mark_sent(
        customer_id, notification_id, provider_message_id=provider_message_id, sent_at=deps.clock()
    )
    logger.info("notification sent", extra=log_context)


async def _within_destination_cap(
    notification: Notification, contact: Contact, deps: Dependencies, log_context: dict[str, str]
) -> bool:
    """Count the message against its destination's hour, or record it SUPPRESSED when the hour is full.

    Only the delivery that owns the send counts, and by notification id: a redelivered event, a retry after a
    failed send or a resend after a crash never counts one notification twice.
    """
    customer_id, notification_id = notification.customer_id, notification.notification_id
    cap = deps.destination_cap
    try:
        within = await deps.destinations.count(
            cap.digest(contact), notification_id, cap.window_at(deps.clock()), limit=cap.messages_per_hour
        )
    except Exception as error:
        # Nothing was sent. Recorded FAILED, the redelivery takes it from here; left SENDING, the claim would
        # later pass for a crash mid-send (and, at most once, never be sent).
        try:
            await deps.notifications.mark_failed(
                customer_id, notification_id, error=f"not sent: {_describe(error)}", failed_at=deps.clock()
            )
        except Exception:
            logger.warning("could not record the unsent notification", exc_info=True, extra=log_context)
        raise
    if within:
        return True
    logger.warning("destination cap reached; notification suppressed, not sent", extra=log_context)
    await deps.notifications.mark_suppressed(
        customer_id, notification_id, reason=cap.reason, suppressed_at=deps.clock()
    )
    await deps.metrics.suppressed(notification.template)
    return False


def _definitely_not_sent(error: Exception) -> bool:
    """Only what the senders prove; anything else (our timeout, an unexpected error) may have sent it."""
    return isinstance(error, SendRejected | ProviderUnreachable)


def _describe(error: Exception) -> str:
    description = type(error).__name__
    code = getattr(error, "code", None)  # the senders' errors carry a code, never the provider's text
    return f"{description}: {code}" if isinstance(code, str) else description


async def _record_failure(
    notification: Notification,
    policy: DeliveryPolicy,
    error: Exception,
    deps: Dependencies,
    log_context: dict[str, str],
) -> None:
    customer_id, notification_id = notification.customer_id, notification.notification_id
    description = _describe(error)
    if _definitely_not_sent(error):
        try:
            await deps.notifications.mark_failed(
                customer_id, notification_id, error=description, failed_at=deps.clock()
            )
        except Exception:
            # The send error is what matters. Left SENDING, the record looks like a crash mid-send once the
            # lease has expired: resent at least once, abandoned (a miss) at most once.
            logger.warning("could not record the failed send", exc_info=True, extra=log_context)
        return
    await deps.metrics.ambiguous_send(notification.template, policy)
    if policy is DeliveryPolicy.AT_LEAST_ONCE:
        logger.warning("send outcome unknown; will be resent", extra={**log_context, "error": description})
        try:
            await deps.notifications.mark_failed(
                customer_id, notification_id, error=f"maybe sent, resending: {description}", failed_at=deps.clock()
            )
        except Exception:
            # Left SENDING: the redelivery resends once the lease has expired.
            logger.warning("could not record the ambiguous send", exc_info=True, extra=log_context)
        return
    logger.error("send outcome unknown; not resent (at most once)", extra={**log_context, "error": description})
    # Not caught: left SENDING, the redelivery records UNKNOWN once the lease has expired (and never resends).
    await deps.notifications.mark_unknown(
        customer_id, notification_id, error=f"maybe sent, not resent: {description}", failed_at=deps.clock()
    )
