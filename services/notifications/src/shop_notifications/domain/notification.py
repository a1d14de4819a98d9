"""The notification record: one per (event, template), claimed before sending so it is sent once."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict
from shop_shared.contracts import Channel, Contact

from shop_notifications.domain.templates import DeliveryPolicy, RenderedMessage, TemplateName

__all__ = [
    "SENDING_LEASE_MARGIN",
    "ClaimOutcome",
    "Notification",
    "NotificationStatus",
    "claim_outcome",
    "lease_outlives_send",
    "new_notification",
    "notification_id",
]

# What a claim must cover beyond the send itself: the claim and outcome writes and clock skew between tasks.
SENDING_LEASE_MARGIN = timedelta(seconds=10)


class NotificationStatus(StrEnum):
    SENDING = "SENDING"  # claimed by a delivery that is sending it (or died doing so)
    SENT = "SENT"
    FAILED = "FAILED"  # not sent, or (at-least-once) maybe sent: the next delivery sends it
    UNKNOWN = "UNKNOWN"  # an at-most-once send whose outcome is unknown: never sent again
    SUPPRESSED = "SUPPRESSED"  # not sent: its destination had reached the hourly cap; never sent later


class ClaimOutcome(StrEnum):
    CLAIMED = "claimed"  # this delivery owns the send
    RESUMED = "resumed"  # this delivery owns the send of a claim whose holder died mid-send (maybe sent)
    ALREADY_SENT = "already_sent"  # a duplicate delivery: nothing to do
    IN_PROGRESS = "in_progress"  # another delivery is sending it right now
    ABANDONED = "abandoned"  # at-most-once: this delivery found the holder died mid-send and recorded UNKNOWN
    ALREADY_UNKNOWN = "already_unknown"  # at-most-once: an earlier send was ambiguous; nothing to do
    ALREADY_SUPPRESSED = "already_suppressed"  # an earlier delivery found the destination capped; nothing to do


class Notification(BaseModel):
    """What was (or is being) sent. Holds the masked destination only, never the address itself."""

    model_config = ConfigDict(frozen=True)

    customer_id: str
    notification_id: str
    event_id: str
    event_type: str
    template: TemplateName
    channel: Channel
    masked_destination: str
    message: str
    status: NotificationStatus
    created_at: AwareDatetime
    claimed_at: AwareDatetime
    attempts: int = 1
    sent_at: AwareDatetime | None = None
    provider_message_id: str | None = None
    error: str | None = None


def notification_id(event_id: str, template: TemplateName) -> str:
    """Deterministic, so every delivery of one event finds the record of the first one."""
    return f"{event_id}:{template}"


def new_notification(
    *, customer_id: str, event_id: str, event_type: str, contact: Contact, message: RenderedMessage, now: datetime
) -> Notification:
    return Notification(
        customer_id=customer_id,
        notification_id=notification_id(event_id, message.template),
        event_id=event_id,
        event_type=event_type,
        template=message.template,
        channel=contact.channel,
        masked_destination=contact.masked,
        message=message.text,
        status=NotificationStatus.SENDING,
        created_at=now,
        claimed_at=now,
    )


def claim_outcome(existing: Notification | None, stale_before: datetime, policy: DeliveryPolicy) -> ClaimOutcome:
    """What a delivery that finds `existing` does (the DynamoDB adapter evaluates the same rule atomically).

    A SENDING claim younger than the lease belongs to a delivery still at work (EventBridge and SQS may
    hand out the same event twice at once); taking it over would send twice. An older one was left by a
    delivery that died mid-send: whether the message went out is unknown, so the template's policy decides.
    """
    if existing is None or existing.status is NotificationStatus.FAILED:
        return ClaimOutcome.CLAIMED
    if existing.status is NotificationStatus.SENT:
        return ClaimOutcome.ALREADY_SENT
    if existing.status is NotificationStatus.UNKNOWN:
        return ClaimOutcome.ALREADY_UNKNOWN
    if existing.status is NotificationStatus.SUPPRESSED:
        return ClaimOutcome.ALREADY_SUPPRESSED
    if existing.claimed_at >= stale_before:
        return ClaimOutcome.IN_PROGRESS
    return ClaimOutcome.RESUMED if policy is DeliveryPolicy.AT_LEAST_ONCE else ClaimOutcome.ABANDONED


def lease_outlives_send(lease: timedelta, send_timeout: timedelta) -> bool:
    """A claim must not go stale while its holder may still be sending, or a duplicate delivery sends too."""
    return lease >= send_timeout + SENDING_LEASE_MARGIN
