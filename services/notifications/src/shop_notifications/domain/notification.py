"""The notification record: one per (event, template), claimed before sending so it is sent once."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict

from shop_notifications.domain.contact import Channel, Contact
from shop_notifications.domain.templates import RenderedMessage, TemplateName

__all__ = ["ClaimOutcome", "Notification", "NotificationStatus", "is_claimable", "new_notification", "notification_id"]


class NotificationStatus(StrEnum):
    SENDING = "SENDING"
    SENT = "SENT"
    FAILED = "FAILED"


class ClaimOutcome(StrEnum):
    CLAIMED = "claimed"  # this delivery owns the send
    ALREADY_SENT = "already_sent"  # a duplicate delivery: nothing to do
    IN_PROGRESS = "in_progress"  # another delivery is sending it right now


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


def is_claimable(existing: Notification | None, stale_before: datetime) -> bool:
    """May a delivery take over the send? New, failed earlier, or SENDING by a delivery that died.

    A SENDING claim younger than the lease belongs to a delivery still at work (EventBridge and SQS may
    hand out the same event twice at once); taking it over would send twice.
    """
    if existing is None or existing.status is NotificationStatus.FAILED:
        return True
    return existing.status is NotificationStatus.SENDING and existing.claimed_at < stale_before
