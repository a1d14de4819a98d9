"""What a token says: the mint request and the claims of the ID token made from it (OIDC standard claims, as a
Cognito ID token carries them)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from shop_shared.contracts import Contact
from shop_shared.contracts.contact import E164_PATTERN

__all__ = ["MAX_LIFETIME_SECONDS", "MintRequest", "id_token_claims"]

MAX_LIFETIME_SECONDS = 86_400  # a day, Cognito's longest ID token


class MintRequest(BaseModel):
    """The body of `POST /dev/tokens`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    subject: str = Field(
        min_length=1,
        max_length=128,
        pattern=r"^[A-Za-z0-9._:@-]+$",
        description="The customer id: the token's `sub`.",
        examples=["c-123"],
    )
    email: str | None = Field(
        default=None, description="The `email` claim; default <subject>@example.com.", examples=["ada@example.com"]
    )
    phone_number: str | None = Field(
        default=None,
        pattern=E164_PATTERN,
        description="The `phone_number` claim (E.164, as an order's phone contact), only when given.",
        examples=["+15555550100"],
    )
    email_verified: bool = Field(default=True, description="Whether the e-mail counts as the customer's.")
    phone_number_verified: bool = Field(default=True, description="Whether the phone counts as the customer's.")
    expires_in: int = Field(default=3600, ge=1, le=MAX_LIFETIME_SECONDS, description="Lifetime in seconds.")

    @field_validator("email")
    @classmethod
    def _an_email_address(cls, email: str | None) -> str | None:
        # The order's contact model decides what an address is, so a minted contact is one order accepts.
        if email is not None:
            try:
                Contact(email=email)
            except ValidationError:
                raise ValueError("must be an e-mail address such as ada@example.com") from None
        return email


def id_token_claims(request: MintRequest, *, issuer: str, audience: str, now: int) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": request.subject,
        "iat": now,
        "nbf": now,
        "exp": now + request.expires_in,
        "token_use": "id",  # as Cognito marks its ID tokens
        "email": request.email or f"{request.subject}@example.com",
        "email_verified": request.email_verified,
    }
    if request.phone_number is not None:
        claims |= {"phone_number": request.phone_number, "phone_number_verified": request.phone_number_verified}
    return claims
