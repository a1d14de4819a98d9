"""A customer's contact: exactly one phone number (SMS) or e-mail address (e-mail), and its masked form."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["Channel", "Contact", "mask_email", "mask_phone"]

E164_PATTERN = r"^\+[1-9]\d{6,14}$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
MASK = "\u2022\u2022\u2022"  # "•••"
_PHONE_SEPARATORS = re.compile(r"[\s().-]")


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"


class Contact(BaseModel):
    """The decrypted contact. Fields are left out of repr() so a stray log line cannot leak them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    phone: str | None = Field(default=None, pattern=E164_PATTERN, repr=False)
    email: str | None = Field(default=None, max_length=254, pattern=EMAIL_PATTERN, repr=False)

    @field_validator("phone", mode="before")
    @classmethod
    def _strip_separators(cls, value: Any) -> Any:
        return _PHONE_SEPARATORS.sub("", value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _exactly_one(self) -> Contact:
        if (self.phone is None) == (self.email is None):
            raise ValueError("a contact is exactly one of phone or email")
        return self

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
        return mask_phone(self.phone) if self.phone is not None else mask_email(self.address)


def mask_phone(phone: str) -> str:
    """Turn "+15555550100" into "+1555•••0100": enough for the customer to recognise, too little to call."""
    if len(phone) <= 9:
        return f"{phone[:2]}{MASK}{phone[-2:]}"
    return f"{phone[:5]}{MASK}{phone[-4:]}"


def mask_email(email: str) -> str:
    """Turn "jane@example.com" into "j•••@example.com"."""
    local, _, domain = email.rpartition("@")
    return f"{local[:1]}{MASK}@{domain}"
