"""Notification records on DynamoDB; the claim is one conditional write, so two deliveries never both send."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from shop_shared.aws import from_item, is_condition_failure, to_item

from shop_notifications.adapters.timestamps import from_stored, to_stored
from shop_notifications.domain.notification import ClaimOutcome, Notification, NotificationStatus
from shop_notifications.domain.templates import DeliveryPolicy

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

__all__ = ["DynamoDbNotificationRepository"]

# The rule of domain.notification.claim_outcome, evaluated atomically by DynamoDB. A record that exists is
# taken over when its send failed; a stale SENDING claim (its holder died mid-send) is taken over to resend
# at least once, and recorded UNKNOWN (never resent) at most once.
RETRY_CONDITION = "#status = :failed"
STALE_CONDITION = "(#status = :sending AND #claimed_at < :stale)"
TAKEOVER_UPDATE = (
    "SET #status = :sending, #claimed_at = :now, #event_id = :event_id, #event_type = :event_type, "
    "#template = :template, #channel = :channel, #masked_destination = :masked_destination, #message = :message "
    "ADD #attempts :one"
)
TAKEOVER_ATTRIBUTES = (
    *("status", "claimed_at", "event_id", "event_type", "template"),
    *("channel", "masked_destination", "message", "attempts"),
)
TIMESTAMP_FIELDS = ("created_at", "claimed_at", "sent_at")


def _names(*attributes: str) -> dict[str, str]:
    return {f"#{attribute}": attribute for attribute in attributes}


class DynamoDbNotificationRepository:
    def __init__(self, dynamodb_client: DynamoDBClient, table_name: str) -> None:
        self._client = dynamodb_client
        self._table = table_name

    async def claim(
        self, notification: Notification, *, stale_before: datetime, policy: DeliveryPolicy
    ) -> ClaimOutcome:
        """Record the notification as SENDING before it is sent; only one delivery of an event wins the claim.

        A new record is one conditional put of the whole item, so no reader ever sees it half-written.
        """
        fields = _claim_fields(notification)
        try:
            await self._client.put_item(
                TableName=self._table,
                Item=to_item(
                    {
                        "customer_id": notification.customer_id,
                        "notification_id": notification.notification_id,
                        "status": NotificationStatus.SENDING.value,
                        "created_at": to_stored(notification.claimed_at),
                        "attempts": 1,
                        **fields,
                    }
                ),
                ConditionExpression="attribute_not_exists(#notification_id)",
                ExpressionAttributeNames=_names("notification_id"),
            )
            return ClaimOutcome.CLAIMED
        except ClientError as error:
            if not is_condition_failure(error):
                raise
        key = self._key(notification.customer_id, notification.notification_id)
        resend_stale = policy is DeliveryPolicy.AT_LEAST_ONCE
        try:
            response = await self._client.update_item(
                TableName=self._table,
                Key=key,
                UpdateExpression=TAKEOVER_UPDATE,
                ConditionExpression=f"{RETRY_CONDITION} OR {STALE_CONDITION}" if resend_stale else RETRY_CONDITION,
                ExpressionAttributeNames=_names(*TAKEOVER_ATTRIBUTES),
                ExpressionAttributeValues=to_item(
                    {
                        ":sending": NotificationStatus.SENDING.value,
                        ":failed": NotificationStatus.FAILED.value,
                        ":one": 1,
                        ":now": fields["claimed_at"],
                        **({":stale": to_stored(stale_before)} if resend_stale else {}),
                        **{f":{name}": value for name, value in fields.items() if name != "claimed_at"},
                    }
                ),
                ReturnValues="ALL_OLD",  # the status it had: FAILED (a retry) or SENDING (a takeover)
            )
            previous = from_item(response.get("Attributes", {})).get("status")
            return ClaimOutcome.RESUMED if previous == NotificationStatus.SENDING else ClaimOutcome.CLAIMED
        except ClientError as error:
            if not is_condition_failure(error):
                raise
        if not resend_stale and await self._abandon_stale(key, stale_before, claimed_at=fields["claimed_at"]):
            return ClaimOutcome.ABANDONED
        existing = await self._get(key)
        status = existing.get("status") if existing is not None else None
        if status == NotificationStatus.SENT:
            return ClaimOutcome.ALREADY_SENT
        if status == NotificationStatus.UNKNOWN:
            return ClaimOutcome.ALREADY_UNKNOWN
        if status == NotificationStatus.SUPPRESSED:
            return ClaimOutcome.ALREADY_SUPPRESSED
        return ClaimOutcome.IN_PROGRESS

    async def _abandon_stale(self, key: dict[str, Any], stale_before: datetime, *, claimed_at: str) -> bool:
        """Record a stale SENDING claim as UNKNOWN; False when the record is not (or no longer) one."""
        try:
            await self._client.update_item(
                TableName=self._table,
                Key=key,
                UpdateExpression="SET #status = :unknown, #error = :error, #failed_at = :now",
                ConditionExpression=STALE_CONDITION,
                ExpressionAttributeNames=_names("status", "claimed_at", "error", "failed_at"),
                ExpressionAttributeValues=to_item(
                    {
                        ":unknown": NotificationStatus.UNKNOWN.value,
                        ":sending": NotificationStatus.SENDING.value,
                        ":stale": to_stored(stale_before),
                        ":error": "maybe sent, not resent: the sending delivery stopped mid-send",
                        ":now": claimed_at,
                    }
                ),
            )
            return True
        except ClientError as error:
            if not is_condition_failure(error):
                raise
            return False

    async def mark_sent(
        self, customer_id: str, notification_id: str, *, provider_message_id: str, sent_at: datetime
    ) -> None:
        await self._client.update_item(
            TableName=self._table,
            Key=self._key(customer_id, notification_id),
            UpdateExpression="SET #status = :sent, #sent_at = :sent_at, #provider_message_id = :id REMOVE #error",
            ConditionExpression="attribute_exists(#notification_id)",
            ExpressionAttributeNames=_names("status", "sent_at", "provider_message_id", "error", "notification_id"),
            ExpressionAttributeValues=to_item(
                {":sent": NotificationStatus.SENT.value, ":sent_at": to_stored(sent_at), ":id": provider_message_id}
            ),
        )

    async def mark_failed(self, customer_id: str, notification_id: str, *, error: str, failed_at: datetime) -> None:
        await self._mark(customer_id, notification_id, NotificationStatus.FAILED, error=error, failed_at=failed_at)

    async def mark_unknown(self, customer_id: str, notification_id: str, *, error: str, failed_at: datetime) -> None:
        await self._mark(customer_id, notification_id, NotificationStatus.UNKNOWN, error=error, failed_at=failed_at)

    async def mark_suppressed(
        self, customer_id: str, notification_id: str, *, reason: str, suppressed_at: datetime
    ) -> None:
        await self._mark(
            customer_id,
            notification_id,
            NotificationStatus.SUPPRESSED,
            error=reason,
            failed_at=suppressed_at,
            time_attribute="suppressed_at",
        )

    async def _mark(
        self,
        customer_id: str,
        notification_id: str,
        status: NotificationStatus,
        *,
        error: str,
        failed_at: datetime,
        time_attribute: str = "failed_at",
    ) -> None:
        try:
            await self._client.update_item(
                TableName=self._table,
                Key=self._key(customer_id, notification_id),
                UpdateExpression="SET #status = :status, #error = :error, #at = :at",
                # A delivery that took over meanwhile may have sent it: never turn SENT back into anything.
                ConditionExpression="attribute_exists(#notification_id) AND #status <> :sent",
                ExpressionAttributeNames={**_names("status", "error", "notification_id"), "#at": time_attribute},
                ExpressionAttributeValues=to_item(
                    {
                        ":status": status.value,
                        ":sent": NotificationStatus.SENT.value,
                        ":error": error,
                        ":at": to_stored(failed_at),
                    }
                ),
            )
        except ClientError as client_error:
            if not is_condition_failure(client_error):
                raise

    async def list_for_customer(self, customer_id: str) -> list[Notification]:
        notifications: list[Notification] = []
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="customer_id = :customer_id",
            ExpressionAttributeValues=to_item({":customer_id": customer_id}),
            ConsistentRead=True,
        )
        async for page in pages:
            notifications.extend(_to_notification(from_item(raw)) for raw in page.get("Items", []))
        # The sort key is "<event id>:<template>", not time-ordered: order by creation here.
        notifications.sort(key=lambda item: (item.created_at, item.notification_id), reverse=True)
        return notifications

    async def _get(self, key: dict[str, Any]) -> dict[str, Any] | None:
        response = await self._client.get_item(TableName=self._table, Key=key, ConsistentRead=True)
        return from_item(response["Item"]) if "Item" in response else None

    @staticmethod
    def _key(customer_id: str, notification_id: str) -> dict[str, Any]:
        return to_item({"customer_id": customer_id, "notification_id": notification_id})


def _to_notification(item: dict[str, Any]) -> Notification:
    for field in TIMESTAMP_FIELDS:
        if field in item:
            item[field] = from_stored(item[field])
    return Notification.model_validate({**item, "attempts": int(item.get("attempts", 1))})


def _claim_fields(notification: Notification) -> dict[str, str]:
    """What a claim writes besides status, creation time and attempts."""
    return {
        "claimed_at": to_stored(notification.claimed_at),
        "event_id": notification.event_id,
        "event_type": notification.event_type,
        "template": notification.template.value,
        "channel": notification.channel.value,
        "masked_destination": notification.masked_destination,
        "message": notification.message,
    }
