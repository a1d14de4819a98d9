"""The customer's contact, a contract between order (which encrypts it) and notifications (which decrypts it).

Order validates it on `POST /orders`, serialises it with `to_plaintext()` and encrypts it with KMS under
`contact_encryption_context(customer_id)`; the ciphertext travels in `order.created`. Notifications decrypts it
under the same context (so a ciphertext copied to another customer's event cannot be decrypted) and parses it
with `Contact.from_plaintext`. One model, so the two sides can never disagree on what a valid contact is.
"""

from __future__ import annotations

import json
import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "CONTACT_EMAIL_MAX_LENGTH",
    "E164_PATTERN",
    "EMAIL_PATTERN",
    "Channel",
    "Contact",
    "contact_encryption_context",
    "mask_email",
    "mask_phone",
]

CONTACT_EMAIL_MAX_LENGTH = 254
E164_PATTERN = r"^\+[1-9][0-9]{6,14}$"
MASK = "\u2022\u2022\u2022"  # "•••"

# Deliberately narrower than RFC 5322: dot-separated atoms before the '@', DNS labels and an
# alphabetic top-level domain after it. Addresses outside this (quoted local parts, IP literals)
# are valid in theory but are not worth the risk for a notification address.
EMAIL_PATTERN = (
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
_EMAIL = re.compile(EMAIL_PATTERN, re.ASCII)


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"


class Contact(BaseModel):
    """Exactly one way to reach the customer; stored and published only encrypted."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # repr=False: a contact must never end up in a log line through a model's repr.
    phone: str | None = Field(
        default=None,
        pattern=E164_PATTERN,
        repr=False,
        description="Mobile number in E.164 form; give either phone or email.",
        examples=["+15555550100"],
    )
    email: str | None = Field(
        default=None,
        max_length=CONTACT_EMAIL_MAX_LENGTH,
        repr=False,
        description="E-mail address; give either phone or email.",
        examples=["jane@example.com"],
    )

    @field_validator("email")
    @classmethod
    def _plain_address(cls, email: str | None) -> str | None:
        if email is not None:
            local, _, _ = email.partition("@")
            if len(local) > 64 or not _EMAIL.fullmatch(email):
                raise ValueError("must be an e-mail address such as jane@example.com")
        return email

    @model_validator(mode="after")
    def _exactly_one(self) -> Contact:
        if (self.phone is None) == (self.email is None):
            raise ValueError("give exactly one of phone or email")
        return self

    def to_plaintext(self) -> bytes:
        """`{"phone": ...}` or `{"email": ...}` as UTF-8: what gets encrypted."""
        return json.dumps(self.model_dump(exclude_none=True), separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_plaintext(cls, plaintext: bytes) -> Contact:
        """The contact from decrypted bytes; raises pydantic's ValidationError if they are not one."""
        return cls.model_validate_json(plaintext)

    @property
    def channel(self) -> Channel:
        return Channel.SMS if self.phone is not None else Channel.EMAIL

    @property
    def address(self) -> str:
        """Where the provider delivers: the phone number or the e-mail address."""
        address = self.phone if self.phone is not None else self.email
        assert address is not None  # guaranteed by _exactly_one
        return address

    @property
    def masked(self) -> str:
        return mask_phone(self.address) if self.phone is not None else mask_email(self.address)


def contact_encryption_context(customer_id: str) -> dict[str, str]:
    """The KMS encryption context of a customer's contact: decrypting needs the same customer id."""
    return {"customer_id": customer_id}


def mask_phone(phone: str) -> str:
    """Turn "+15555550100" into "+1555•••0100": enough for the customer to recognise, too little to call."""
    if len(phone) <= 9:
        return f"{phone[:2]}{MASK}{phone[-2:]}"
    return f"{phone[:5]}{MASK}{phone[-4:]}"


def mask_email(email: str) -> str:
    """Turn "jane@example.com" into "j•••@example.com"."""
    local, _, domain = email.rpartition("@")
    return f"{local[:1]}{MASK}@{domain}"
