"""Checks the API key that the EventBridge connection sends against the keys kept in Secrets Manager:
the current key (AWSCURRENT) and, during a rotation, the previous one (AWSPREVIOUS)."""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from types_aiobotocore_secretsmanager import SecretsManagerClient

__all__ = ["ApiKeySource", "ApiKeyVerifier", "ApiKeys", "SecretsManagerApiKeySource"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ApiKeys:
    """The keys a caller may present; `previous` is None when the secret was never rotated."""

    current: str
    previous: str | None = None

    def __repr__(self) -> str:
        return "ApiKeys(<redacted>)"


class ApiKeySource(Protocol):
    async def read(self) -> ApiKeys: ...


class SecretsManagerApiKeySource:
    """The secret's SecretString is the key itself; a rotation (`put_secret_value`) makes the new value
    AWSCURRENT and moves the old one to AWSPREVIOUS, so both stages together are the keys in use."""

    def __init__(self, secretsmanager_client: SecretsManagerClient, secret_id: str) -> None:
        self._client = secretsmanager_client
        self._secret_id = secret_id

    async def read(self) -> ApiKeys:
        current = await self._client.get_secret_value(SecretId=self._secret_id, VersionStage="AWSCURRENT")
        previous: str | None = None
        try:
            answer = await self._client.get_secret_value(SecretId=self._secret_id, VersionStage="AWSPREVIOUS")
            previous = answer.get("SecretString")
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise
            # Never rotated: there is no AWSPREVIOUS version.
        return ApiKeys(current=current.get("SecretString") or "", previous=previous or None)


class ApiKeyVerifier:
    """Constant-time comparison against the current and the previous key, always both.

    When the presented key is not the current one (it is wrong, the previous one, or a key rotated in since we
    last read), the secret is re-read at most once per interval: a rotation is picked up, a retired previous key
    stops working, and a stream of bad keys cannot hammer Secrets Manager. (EventBridge retries a 401, so an
    event sent with a brand-new key during the interval is delivered on a later attempt.)
    """

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
        self._current = b""
        self._previous = b""
        self._read_at: float | None = None
        self._lock = asyncio.Lock()

    async def load(self) -> None:
        """Read the keys at startup; a service that cannot authenticate callers must not start."""
        keys = await self._source.read()
        if not keys.current:
            raise RuntimeError("the API key secret is empty")
        self._use(keys)
        self._read_at = self._clock()

    async def verify(self, presented: str | None) -> bool:
        if not presented:
            return False
        candidate = presented.encode()
        is_current, is_previous = self._compare(candidate)
        if is_current:
            return True
        # The previous key is only good until the next rotation: check that it still is (at most once per interval).
        if await self._reread_if_due():
            is_current, is_previous = self._compare(candidate)
        return is_current or is_previous

    def _compare(self, candidate: bytes) -> tuple[bool, bool]:
        # Both comparisons always run, each in constant time: timing does not tell which key matched.
        is_current = hmac.compare_digest(candidate, self._current)
        is_previous = hmac.compare_digest(candidate, self._previous)
        return bool(self._current) and is_current, bool(self._previous) and is_previous

    def _use(self, keys: ApiKeys) -> None:
        self._current = keys.current.encode()
        self._previous = (keys.previous or "").encode()

    async def _reread_if_due(self) -> bool:
        """True when the keys were read again (they may be the same)."""
        async with self._lock:
            if self._read_at is not None and self._clock() - self._read_at < self._interval:
                return False
            # Stamped before the call: a failing Secrets Manager is also asked at most once per interval.
            self._read_at = self._clock()
            try:
                keys = await self._source.read()
            except Exception:
                logger.warning("could not re-read the API key secret; keeping the current keys", exc_info=True)
                return False
            if not keys.current:
                logger.warning("the API key secret is empty; keeping the current keys")
                return False
            if not hmac.compare_digest(keys.current.encode(), self._current):
                logger.info("API key secret rotated; accepting the new key and the previous one")
            self._use(keys)
            return True
