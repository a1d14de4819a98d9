"""Why a token was refused (401) and why none could be checked (503)."""

from __future__ import annotations

from shop_shared.exceptions import DependencyUnavailable

__all__ = ["AuthError", "IdentityProviderUnavailable", "InvalidToken"]


class AuthError(Exception):
    """Base of the authentication errors."""


class InvalidToken(AuthError):
    """The bearer token is not one this service accepts; `detail` says why, for the client, without the token."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class IdentityProviderUnavailable(AuthError, DependencyUnavailable):
    """The issuer's keys could not be fetched: not the client's fault, so 503 with Retry-After, never 401 or 500."""

    def __init__(self) -> None:
        DependencyUnavailable.__init__(self, "identity provider (JWKS)")
