"""The cap on messages to one destination (a phone number or an e-mail address) per hour, across all customers.

It bounds what one number or mailbox can cost the shop, or receive, in an hour, however many customers name it.
Destinations are counted under a keyed digest of their normalized form (HMAC-SHA-256), never the address itself:
a plain hash of a phone number is reversed by trying every number, a keyed one needs the key, which only the
notifications service reads (a Secrets Manager secret). Windows are whole clock hours (UTC), the same for every
notifications task, so the tasks share one counter per window.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from shop_shared.clock_windows import ClockWindow, clock_window_at
from shop_shared.contracts import Contact

__all__ = ["CAP_WINDOW", "DestinationCap", "normalized_destination"]

CAP_WINDOW = timedelta(hours=1)


def normalized_destination(contact: Contact) -> str:
    """One spelling per mailbox or phone, so variants count together.

    Phone numbers are E.164 already (the contact rules refuse anything else). E-mail addresses are lower-cased and
    lose a `+tag` (RFC 5233 subaddressing): `Jane+1@Example.com` reaches the same mailbox as `jane@example.com`.
    """
    if contact.phone is not None:
        return contact.phone
    local, _, domain = contact.address.rpartition("@")
    return f"{local.partition('+')[0]}@{domain}".lower()


MIN_DIGEST_KEY_BYTES = 32  # an HMAC-SHA-256 key of at least the hash's size


@dataclass(frozen=True)
class DestinationCap:
    messages_per_hour: int
    digest_key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if self.messages_per_hour < 1:
            raise ValueError("the destination cap allows at least 1 message per hour")
        if len(self.digest_key) < MIN_DIGEST_KEY_BYTES:
            raise ValueError(f"the destination digest key needs at least {MIN_DIGEST_KEY_BYTES} bytes")

    def digest(self, contact: Contact) -> str:
        """HMAC-SHA-256 of the channel and the normalized destination, in hex: what the counter is keyed by."""
        message = f"{contact.channel}:{normalized_destination(contact)}".encode()
        return hmac.new(self.digest_key, message, hashlib.sha256).hexdigest()

    def window_at(self, at: datetime) -> ClockWindow:
        return clock_window_at(at, CAP_WINDOW)

    @property
    def reason(self) -> str:
        """What a suppressed notification records (no address in it)."""
        return f"destination_cap: {self.messages_per_hour} messages to this destination this hour already"
