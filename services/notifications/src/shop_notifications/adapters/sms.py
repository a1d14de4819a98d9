"""Sends SMS through SNS `Publish` to a phone number."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from shop_notifications.domain.contact import Channel
from shop_notifications.domain.exceptions import SendRejected
from shop_notifications.domain.templates import RenderedMessage

__all__ = ["SnsSmsSender"]


class SnsSmsSender:
    def __init__(self, sns_client: Any) -> None:
        self._client = sns_client

    async def send(self, address: str, message: RenderedMessage) -> str:
        try:
            response = await self._client.publish(
                PhoneNumber=address,
                Message=message.text,
                # Transactional: delivered with priority and also to numbers opted out of marketing.
                MessageAttributes={
                    "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
                },
            )
        except ClientError as error:
            # Raised without the original: its message can quote the phone number.
            raise SendRejected(Channel.SMS, _code(error)) from None
        return str(response["MessageId"])


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", "ClientError"))
