"""Sends e-mail through SES `SendEmail` from the verified sender identity."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from shop_notifications.domain.contact import Channel
from shop_notifications.domain.exceptions import SendRejected
from shop_notifications.domain.templates import RenderedMessage

__all__ = ["SesEmailSender"]

CHARSET = "UTF-8"


class SesEmailSender:
    def __init__(self, ses_client: Any, sender: str) -> None:
        self._client = ses_client
        self._sender = sender

    async def send(self, address: str, message: RenderedMessage) -> str:
        try:
            response = await self._client.send_email(
                Source=self._sender,
                Destination={"ToAddresses": [address]},
                Message={
                    "Subject": {"Data": message.subject, "Charset": CHARSET},
                    "Body": {"Text": {"Data": message.text, "Charset": CHARSET}},
                },
            )
        except ClientError as error:
            # Raised without the original: its message can quote the address.
            code = str(error.response.get("Error", {}).get("Code", "ClientError"))
            raise SendRejected(Channel.EMAIL, code) from None
        return str(response["MessageId"])
