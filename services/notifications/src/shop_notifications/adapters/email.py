"""Sends e-mail through SES `SendEmail` from the verified sender identity."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shop_shared.contracts import Channel

from shop_notifications.adapters.send_errors import send_error
from shop_notifications.domain.templates import RenderedMessage

if TYPE_CHECKING:
    from types_aiobotocore_ses import SESClient

__all__ = ["SesEmailSender"]

CHARSET = "UTF-8"


class SesEmailSender:
    def __init__(self, ses_client: SESClient, sender: str) -> None:
        self._client = ses_client  # one attempt per call: see send_errors
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
        except Exception as error:
            # Raised without the original: its message can quote the address.
            raise send_error(Channel.EMAIL, error) from None
        return str(response["MessageId"])
