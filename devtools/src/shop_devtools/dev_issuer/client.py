"""Minting tokens from a running dev issuer over HTTP: what `make token`, the tests, the soak and the benchmarks
use to act as a customer. Mint with the contact the order will carry: order accepts only a verified contact claim."""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Self

import httpx

from .app import MINT_PATH

__all__ = ["CustomerTokens", "DevIssuerClient", "IssuerUnavailable", "MintRefused", "bearer"]


class IssuerUnavailable(Exception):
    """No dev issuer answers at the URL."""


class MintRefused(Exception):
    """The issuer answered but minted nothing (bad input, or a caller not on its host)."""


def bearer(token: str) -> dict[str, str]:
    """The request header that carries `token`."""
    return {"Authorization": f"Bearer {token}"}


class DevIssuerClient:
    def __init__(self, base_url: str, *, timeout: float = 10.0, transport: httpx.BaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport)

    def mint(
        self,
        subject: str,
        *,
        email: str | None = None,
        phone: str | None = None,
        expires_in: int = 3600,
        email_verified: bool = True,
        phone_number_verified: bool = True,
    ) -> str:
        """A signed ID token for `subject` (email defaults to <subject>@example.com; a phone only when given)."""
        body = {
            "subject": subject,
            "email": email,
            "phone_number": phone,
            "expires_in": expires_in,
            "email_verified": email_verified,
            "phone_number_verified": phone_number_verified,
        }
        try:
            response = self._http.post(MINT_PATH, json=body)
        except httpx.TransportError as error:
            raise IssuerUnavailable(f"no dev issuer answers on {self.base_url} ({type(error).__name__})") from error
        if response.status_code != 201:
            raise MintRefused(f"the dev issuer refused: HTTP {response.status_code} {response.text[:300]}")
        return str(response.json()["token"])

    def mint_for_contact(self, subject: str, contact: Mapping[str, str], *, expires_in: int = 3600) -> str:
        """A token whose verified contact is the order's `contact` ({"phone": ...} or {"email": ...})."""
        return self.mint(subject, email=contact.get("email"), phone=contact.get("phone"), expires_in=expires_in)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()


class CustomerTokens:
    """One token per customer and contact, minted on first use and kept: a load that sends many orders per
    customer signs once per customer, outside the timed requests when `prepare` is called first."""

    def __init__(self, issuer: DevIssuerClient, *, expires_in: int = 3600) -> None:
        self._issuer = issuer
        self._expires_in = expires_in
        self._tokens: dict[tuple[str, tuple[tuple[str, str], ...]], str] = {}

    def token(self, customer: str, contact: Mapping[str, str] | None = None) -> str:
        key = (customer, tuple(sorted((contact or {}).items())))
        if key not in self._tokens:
            self._tokens[key] = self._issuer.mint_for_contact(customer, contact or {}, expires_in=self._expires_in)
        return self._tokens[key]

    def headers(self, customer: str, contact: Mapping[str, str] | None = None) -> dict[str, str]:
        return bearer(self.token(customer, contact))

    def prepare(self, customers: Mapping[str, Mapping[str, str]]) -> None:
        """Mint every customer's token now (customer -> contact)."""
        for customer, contact in customers.items():
            self.token(customer, contact)
