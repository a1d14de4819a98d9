"""The issuer's public keys (JWKS), fetched over HTTP, cached, and refreshed at most once per interval."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import httpx

from .exceptions import IdentityProviderUnavailable

__all__ = ["DISCOVERY_PATH", "JwksCache"]

logger = logging.getLogger(__name__)

DISCOVERY_PATH = "/.well-known/openid-configuration"

type Jwk = dict[str, Any]


class JwksCache:
    """The signing keys of one issuer, by `kid`.

    Keys are fetched on first use, again once they are `max_age_seconds` old, and again when a token names a kid the
    cache does not hold (a key rotation) - but never more than once per `refresh_interval_seconds`, so made-up kids
    cannot turn requests into requests to the issuer. Concurrent requests share one fetch. With `jwks_url` unset,
    the URL is the `jwks_uri` of the issuer's OIDC discovery document, whose `issuer` must be ours (OIDC Discovery
    4.3). When the issuer cannot be reached, keys from an earlier fetch still answer; a kid they do not hold raises
    IdentityProviderUnavailable (503): whether it exists is unknown.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        issuer: str,
        jwks_url: str | None,
        max_age_seconds: float,
        refresh_interval_seconds: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._issuer = issuer
        self._jwks_url = jwks_url
        self._max_age = max_age_seconds
        self._interval = refresh_interval_seconds
        self._monotonic = monotonic
        self._lock = asyncio.Lock()
        self._keys: dict[str, Jwk] | None = None  # from the last successful fetch
        self._fetched_at = 0.0
        self._attempted_at: float | None = None
        self._last_attempt_failed = False

    async def key(self, kid: str) -> Jwk | None:
        """The JWK named `kid`, or None when the issuer has no such key (after the refresh it was allowed)."""
        known = self._held().get(kid)
        if known is not None and (self._fresh() or self._lock.locked()):
            return known  # stale keys while another request refreshes them: no queueing behind a slow issuer
        async with self._lock:
            # Another request may have fetched while this one waited for the lock.
            if self._fresh() and kid in self._held():
                return self._held()[kid]
            if self._may_fetch():
                await self._refresh()
            if kid in self._held():
                return self._held()[kid]  # possibly stale, when the refresh failed: better than refusing everyone
            if self._keys is None or self._last_attempt_failed:
                # The issuer could not be asked (now, or within the interval): whether the key exists is unknown.
                raise IdentityProviderUnavailable()
            return None

    def _held(self) -> dict[str, Jwk]:
        return self._keys or {}

    def _fresh(self) -> bool:
        return self._keys is not None and self._monotonic() - self._fetched_at < self._max_age

    def _may_fetch(self) -> bool:
        return self._attempted_at is None or self._monotonic() - self._attempted_at >= self._interval

    async def _refresh(self) -> None:
        self._attempted_at = self._monotonic()
        try:
            keys = await self._fetch()
        except (httpx.HTTPError, ValueError) as error:
            self._last_attempt_failed = True
            logger.warning(
                "could not fetch the identity provider's keys",
                extra={
                    "error": type(error).__name__,
                    "reason": str(error)[:200],
                    "keeps_earlier_keys": bool(self._keys),
                },
            )
            return
        self._keys, self._fetched_at, self._last_attempt_failed = keys, self._monotonic(), False
        logger.info("fetched the identity provider's keys", extra={"kids": sorted(keys)})

    async def _fetch(self) -> dict[str, Jwk]:
        document = await self._get_json(self._jwks_url or await self._discover())
        listed = document.get("keys")
        if not isinstance(listed, list):
            raise ValueError("the JWKS has no `keys` list")
        # A key meant for encryption (`use: enc`) never verifies a signature; a key without kid cannot be named.
        return {
            jwk["kid"]: jwk
            for jwk in listed
            if isinstance(jwk, dict) and isinstance(jwk.get("kid"), str) and jwk.get("use", "sig") == "sig"
        }

    async def _discover(self) -> str:
        document = await self._get_json(self._issuer.rstrip("/") + DISCOVERY_PATH)
        if document.get("issuer") != self._issuer:
            raise ValueError("the discovery document names another issuer")
        jwks_uri = document.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not jwks_uri.startswith(("https://", "http://")):
            raise ValueError("the discovery document has no jwks_uri")
        self._jwks_url = jwks_uri  # fixed for the issuer's lifetime
        return jwks_uri

    async def _get_json(self, url: str) -> dict[str, Any]:
        response = await self._http.get(url, headers={"Accept": "application/json"})
        response.raise_for_status()
        document = response.json()
        if not isinstance(document, dict):
            raise ValueError(f"{url} did not answer a JSON object")
        return document
