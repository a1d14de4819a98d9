"""Checks a bearer JWT: signature against the issuer's JWKS, algorithm, issuer, audience, times, subject."""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack

import httpx
import jwt

from .exceptions import InvalidToken
from .jwks import JwksCache
from .principal import Principal
from .settings import AuthSettings

__all__ = ["REQUIRED_CLAIMS", "TokenVerifier", "open_token_verifier"]

logger = logging.getLogger(__name__)

# What every accepted token carries (OIDC ID tokens always do); `sub` is the customer.
REQUIRED_CLAIMS = ("iss", "aud", "sub", "exp", "iat")
MAX_SUBJECT_LENGTH = 255


class TokenVerifier:
    """One per process (built by the service's bootstrap); `verify` answers the principal or raises InvalidToken.

    The cryptography is PyJWT's. The token's header is only used to pick a key: its `alg` must be one of
    AUTH_ALGORITHMS (all asymmetric, so `none` and HS* confusion are refused before any key is looked at) and is bound
    to the key, and `jwt.decode` is given the allowed algorithms explicitly. The JWKS may be unreachable:
    IdentityProviderUnavailable (503) then, never InvalidToken.
    """

    def __init__(self, settings: AuthSettings, keys: JwksCache) -> None:
        self._settings = settings
        self._keys = keys

    @classmethod
    def over_http(cls, settings: AuthSettings, http: httpx.AsyncClient) -> TokenVerifier:
        """A verifier whose JWKS comes through `http` (its timeouts are the caller's)."""
        keys = JwksCache(
            http,
            issuer=settings.auth_issuer,
            jwks_url=settings.auth_jwks_url,
            max_age_seconds=settings.auth_jwks_max_age_seconds,
            refresh_interval_seconds=settings.auth_jwks_refresh_interval_seconds,
        )
        return cls(settings, keys)

    async def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise _refused("malformed", "The bearer token is not a well-formed JWT.") from None
        algorithm, kid = header.get("alg"), header.get("kid")
        if algorithm not in self._settings.auth_algorithms:
            raise _refused("algorithm", "The bearer token is not signed with an accepted algorithm.")
        if not isinstance(kid, str) or not kid:
            raise _refused("kid", "The bearer token names no signing key (kid).")
        jwk = await self._keys.key(kid)
        if jwk is None:
            raise _refused("unknown_kid", "The bearer token is signed with a key the issuer does not publish.")
        if jwk.get("alg", algorithm) != algorithm:
            raise _refused("algorithm", "The bearer token's algorithm is not the one of its signing key.")
        try:
            key = jwt.PyJWK(jwk, algorithm=algorithm)
        except jwt.PyJWTError:
            raise _refused("key", "The bearer token's algorithm does not fit its signing key.") from None
        claims = self._decode(token, key)
        subject = claims["sub"]
        if not isinstance(subject, str) or not subject.strip() or len(subject) > MAX_SUBJECT_LENGTH:
            raise _refused("sub", "The bearer token's subject is not a customer id.")
        return Principal.from_claims(claims)

    def _decode(self, token: str, key: jwt.PyJWK) -> dict[str, object]:
        try:
            claims: dict[str, object] = jwt.decode(
                token,
                key,
                algorithms=list(self._settings.auth_algorithms),
                audience=self._settings.auth_audience,
                issuer=self._settings.auth_issuer,
                leeway=self._settings.auth_leeway_seconds,
                options={"require": list(REQUIRED_CLAIMS), "enforce_minimum_key_length": True},
            )
        except jwt.ExpiredSignatureError:
            raise _refused("expired", "The bearer token has expired.") from None
        except jwt.ImmatureSignatureError:
            raise _refused("not_yet_valid", "The bearer token is not valid yet.") from None
        except (jwt.InvalidIssuerError, jwt.InvalidAudienceError):
            raise _refused("issuer_or_audience", "The bearer token was not issued for this service.") from None
        except jwt.MissingRequiredClaimError as error:
            raise _refused("missing_claim", f"The bearer token has no `{error.claim}` claim.") from None
        except jwt.PyJWTError:
            raise _refused("signature", "The bearer token's signature or claims are not valid.") from None
        return claims


def _refused(reason: str, detail: str) -> InvalidToken:
    # The reason only: a token (or any part of it) never reaches a log.
    logger.debug("bearer token refused", extra={"reason": reason})
    return InvalidToken(detail)


async def open_token_verifier(stack: AsyncExitStack, settings: AuthSettings) -> TokenVerifier:
    """The verifier of a service, for its bootstrap: its HTTP client closes with `stack` (the app's lifespan)."""
    timeout = httpx.Timeout(settings.auth_jwks_timeout_seconds)
    http = await stack.enter_async_context(httpx.AsyncClient(timeout=timeout, follow_redirects=False))
    return TokenVerifier.over_http(settings, http)
