"""Checks the API key that the EventBridge connection sends, against the key kept in Secrets Manager."""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

__all__ = ["ApiKeySource", "ApiKeyVerifier", "SecretsManagerApiKeySource"]

logger = logging.getLogger(__name__)


class ApiKeySource(Protocol):
    async def read(self) -> str: ...


class SecretsManagerApiKeySource:
    """The secret's SecretString is the key itself."""

    def __init__(self, secretsmanager_client: Any, secret_id: str) -> None:
        self._client = secretsmanager_client
        self._secret_id = secret_id

    async def read(self) -> str:
        response = await self._client.get_secret_value(SecretId=self._secret_id)
        return str(response.get("SecretString") or "")


class ApiKeyVerifier:
    """Constant-time comparison with the current key; a mismatch re-reads the secret at most once per
    interval, so a rotated key is picked up without letting a stream of bad keys hammer Secrets Manager."""

    def __init__(
        self,
        source: ApiKeySource,
        *,
        reread_interval_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._source = source
        self._interval = reread_interval_seconds
        self._clock = clock
        self._key = b""
        self._read_at: float | None = None
        self._lock = asyncio.Lock()

    async def load(self) -> None:
        """Read the key at startup; a service that cannot authenticate callers must not start."""
        key = await self._source.read()
        if not key:
            raise RuntimeError("the API key secret is empty")
        self._key = key.encode()
        self._read_at = self._clock()

    async def verify(self, presented: str | None) -> bool:
        if not presented:
            return False
        candidate = presented.encode()
        if self._matches(candidate):
            return True
        await self._reread_if_due()
        return self._matches(candidate)

    def _matches(self, candidate: bytes) -> bool:
        return bool(self._key) and hmac.compare_digest(candidate, self._key)

    async def _reread_if_due(self) -> None:
        async with self._lock:
            if self._read_at is not None and self._clock() - self._read_at < self._interval:
                return
            # Stamped before the call: a failing Secrets Manager is also asked at most once per interval.
            self._read_at = self._clock()
            try:
                key = await self._source.read()
            except Exception:
                logger.warning("could not re-read the API key secret; keeping the current key", exc_info=True)
                return
            if not key:
                logger.warning("the API key secret is empty; keeping the current key")
                return
            if not hmac.compare_digest(key.encode(), self._key):
                logger.info("API key secret changed; using the new key")
            self._key = key.encode()
