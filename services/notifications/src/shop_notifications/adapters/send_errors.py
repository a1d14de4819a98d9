"""Sorts what a send raised into "certainly not sent" and "maybe sent", the distinction the handler acts on.

The clients of the senders make one attempt only (bootstrap.open_sender_client): botocore's standard retry mode
would otherwise resend a timed-out or 5xx publish by itself, and neither SNS SMS nor SES SendEmail takes an
idempotency key that would make that resend harmless.
"""

from __future__ import annotations

import socket

import aiohttp
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
)

from shop_notifications.exceptions import ProviderUnreachable, SendOutcomeUnknown, SendRejected

__all__ = ["send_error"]


def send_error(channel: str, error: Exception) -> Exception:
    """The domain error to raise instead of `error` (whose message may quote the address)."""
    if isinstance(error, ClientError):
        # The provider answered: 4xx means it refused (throttling included), 5xx may come after it accepted.
        code = str(error.response.get("Error", {}).get("Code", "ClientError"))
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        return SendOutcomeUnknown(channel, code) if status >= 500 else SendRejected(channel, code)
    if isinstance(error, ConnectTimeoutError | NoCredentialsError | NoRegionError | ParamValidationError):
        return ProviderUnreachable(channel, type(error).__name__)
    if isinstance(error, EndpointConnectionError) and _failed_to_connect(error):
        return ProviderUnreachable(channel, type(error).__name__)
    # A read timeout, a connection dropped or reset after the request went out, anything unexpected.
    return SendOutcomeUnknown(channel, type(error).__name__)


def _failed_to_connect(error: EndpointConnectionError) -> bool:
    """aiobotocore maps any aiohttp connection error to EndpointConnectionError, a reset mid-request too."""
    cause = error.kwargs.get("error")
    return isinstance(cause, aiohttp.ClientConnectorError | socket.gaierror)
