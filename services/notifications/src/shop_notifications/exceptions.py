"""Every error of the notifications service. Each one raised by a handler leaves its message for redelivery
(then the DLQ); none reaches the HTTP API, which only reads the notification records.

The send errors tell "certainly not sent" (SendRejected, ProviderUnreachable) from "maybe sent"
(SendOutcomeUnknown); adapters/send_errors.py sorts what the SDK raised into them.
"""

from __future__ import annotations

from shop_shared.exceptions import DependencyUnavailable

__all__ = [
    "ContactNotFound",
    "ContactUnreadable",
    "NotificationInProgress",
    "NotificationsError",
    "ProviderUnreachable",
    "SendOutcomeUnknown",
    "SendRejected",
]


class NotificationsError(Exception):
    """Base of every error this service raises on purpose. Messages never carry contact details."""


class ContactNotFound(NotificationsError):
    """No contact in the directory yet: the order.created that brings it may still be on its way."""

    def __init__(self, customer_id: str) -> None:
        super().__init__(f"no contact on file for customer {customer_id}")
        self.customer_id = customer_id


class ContactUnreadable(NotificationsError):
    """The ciphertext could not be decrypted or did not hold a valid phone number or e-mail address."""


class NotificationInProgress(NotificationsError):
    """Another delivery of the same event is sending this notification right now; retry later."""


class SendRejected(NotificationsError):
    """The provider answered and refused the message (4xx): it was not sent. `code` is the provider's code.

    Its own error message is never kept: it may echo the address.
    """

    def __init__(self, channel: str, code: str) -> None:
        super().__init__(f"{channel} provider rejected the message: {code}")
        self.code = code


class ProviderUnreachable(NotificationsError, DependencyUnavailable):
    """The request never left: connection refused, connect timeout, no credentials. It was not sent.

    `code` says why (the SDK error's name); the message names the provider only.
    """

    def __init__(self, channel: str, reason: str) -> None:
        super().__init__(f"{channel} provider")
        self.code = reason


class SendOutcomeUnknown(NotificationsError):
    """The request may have reached the provider: a timeout after sending, a dropped connection, a 5xx."""

    def __init__(self, channel: str, reason: str) -> None:
        super().__init__(f"{channel} send outcome unknown: {reason}")
        self.code = reason
