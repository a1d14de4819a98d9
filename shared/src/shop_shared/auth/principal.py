"""Who is calling: the token's subject and the contacts its identity provider verified."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shop_shared.contracts import Contact

__all__ = ["Principal"]


@dataclass(frozen=True)
class Principal:
    """The authenticated customer: `subject` is the token's `sub`, the customer id everything is scoped to.

    `verified_email` and `verified_phone` are the OIDC claims `email` / `phone_number`, kept only when the
    token also says `email_verified: true` / `phone_number_verified: true`. Never in a repr, so never in a log.
    """

    subject: str
    verified_email: str | None = field(default=None, repr=False)
    verified_phone: str | None = field(default=None, repr=False)

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Principal:
        """The principal of verified claims (signature, issuer, audience and times already checked)."""
        return cls(
            subject=claims["sub"],
            verified_email=_verified(claims, "email", "email_verified"),
            verified_phone=_verified(claims, "phone_number", "phone_number_verified"),
        )

    def owns(self, contact: Contact) -> bool:
        """Whether the identity provider verified this contact as the customer's own.

        E-mail addresses compare without case (every mail provider ignores it); phone numbers exactly (E.164).
        """
        if contact.email is not None:
            return self.verified_email is not None and self.verified_email.casefold() == contact.email.casefold()
        return self.verified_phone is not None and self.verified_phone == contact.phone


def _verified(claims: dict[str, Any], name: str, flag: str) -> str | None:
    value = claims.get(name)
    # JSON true only: a string "true" or a missing flag is not the provider saying it verified the contact.
    if isinstance(value, str) and value and claims.get(flag) is True:
        return value
    return None
