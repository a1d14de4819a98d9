"""Errors of the notifications domain; each one leaves the message for redelivery (then the DLQ)."""

from __future__ import annotations

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


class ProviderUnreachable(NotificationsError):
    """The request never left: connection refused, connect timeout, no credentials. It was not sent."""

    def __init__(self, channel: str, reason: str) -> None:
        super().__init__(f"{channel} provider not reached: {reason}")
        self.code = reason


class SendOutcomeUnknown(NotificationsError):
    """The request may have reached the provider: a timeout after sending, a dropped connection, a 5xx."""

    def __init__(self, channel: str, reason: str) -> None:
        super().__init__(f"{channel} send outcome unknown: {reason}")
        self.code = reason
