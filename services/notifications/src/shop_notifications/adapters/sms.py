"""Sends SMS through SNS `Publish` to a phone number."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shop_shared.contracts import Channel

from shop_notifications.adapters.send_errors import send_error
from shop_notifications.domain.templates import RenderedMessage

if TYPE_CHECKING:
    from types_aiobotocore_sns import SNSClient

__all__ = ["SnsSmsSender"]


class SnsSmsSender:
    def __init__(self, sns_client: SNSClient) -> None:
        self._client = sns_client  # one attempt per call: see send_errors

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
        except Exception as error:
            # Raised without the original: its message can quote the phone number.
            raise send_error(Channel.SMS, error) from None
        return str(response["MessageId"])
