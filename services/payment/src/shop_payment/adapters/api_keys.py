"""Checks the API key that the EventBridge connection sends against the keys kept in Secrets Manager:
the current key (AWSCURRENT) and, for a grace period after a rotation, the previous one (AWSPREVIOUS)."""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from botocore.exceptions import ClientError
from shop_shared.composition import Clock, utc_now

if TYPE_CHECKING:
    from types_aiobotocore_secretsmanager import SecretsManagerClient

__all__ = ["DEFAULT_PREVIOUS_KEY_GRACE", "ApiKeySource", "ApiKeyVerifier", "ApiKeys", "SecretsManagerApiKeySource"]

logger = logging.getLogger(__name__)

DEFAULT_PREVIOUS_KEY_GRACE = timedelta(minutes=15)


@dataclass(frozen=True)
class ApiKeys:
    """The keys a caller may present; `previous` is None when the secret was never rotated.

    `rotated_at` is when the current version was created (Secrets Manager's CreatedDate): the rotation that
    made the previous key previous, from which its grace period runs. None (unknown) accepts no previous key.
    """

    current: str
    previous: str | None = None
    rotated_at: datetime | None = None

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
        return ApiKeys(
            current=current.get("SecretString") or "", previous=previous or None, rotated_at=current.get("CreatedDate")
        )


class ApiKeyVerifier:
    """Constant-time comparison against the current and the previous key, always both.

    The previous key is accepted only until `previous_grace` after the current version was created, long enough
    for the connection to start sending the new key; then it is refused like any wrong key.

    The keys held are read again once they are older than the re-read interval, whatever key is presented, and
    at most once per interval: a rotation is picked up (also when only the old key keeps arriving, as when the
    connection was never updated), so the previous key is refused at most one interval late (not at all late
    when the grace is at least the interval), and a stream of bad keys cannot hammer Secrets Manager.
    (EventBridge retries a 401, so an event sent with a brand-new key during the interval is delivered on a
    later attempt.)
    """

    def __init__(
        self,
        source: ApiKeySource,
        *,
        reread_interval_seconds: float = 30.0,
        previous_grace: timedelta = DEFAULT_PREVIOUS_KEY_GRACE,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Clock = utc_now,
    ) -> None:
        self._source = source
        self._interval = reread_interval_seconds
        self._previous_grace = previous_grace
        self._clock = clock
        self._wall_clock = wall_clock
        self._current = b""
        self._previous = b""
        self._previous_until: datetime | None = None
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
        await self._reread_if_due()
        candidate = presented.encode()
        # Judged before the comparisons and whatever they find, so timing does not tell which key matched.
        previous_in_grace = self._previous_until is not None and self._wall_clock() < self._previous_until
        is_current, is_previous = self._compare(candidate)
        return is_current or (is_previous and previous_in_grace)

    def _compare(self, candidate: bytes) -> tuple[bool, bool]:
        # Both comparisons always run, each in constant time: timing does not tell which key matched.
        is_current = hmac.compare_digest(candidate, self._current)
        is_previous = hmac.compare_digest(candidate, self._previous)
        return bool(self._current) and is_current, bool(self._previous) and is_previous

    def _use(self, keys: ApiKeys) -> None:
        self._current = keys.current.encode()
        self._previous = (keys.previous or "").encode()
        if keys.previous and keys.rotated_at is None:
            logger.warning("the API key secret does not say when it was rotated; the previous key is refused")
        self._previous_until = keys.rotated_at + self._previous_grace if keys.rotated_at is not None else None

    async def _reread_if_due(self) -> None:
        if self._read_at is not None and self._clock() - self._read_at < self._interval:
            return
        async with self._lock:
            if self._read_at is not None and self._clock() - self._read_at < self._interval:
                return  # another request read them while we waited
            # Stamped before the call: a failing Secrets Manager is also asked at most once per interval.
            self._read_at = self._clock()
            try:
                keys = await self._source.read()
            except Exception:
                logger.warning("could not re-read the API key secret; keeping the current keys", exc_info=True)
                return
            if not keys.current:
                logger.warning("the API key secret is empty; keeping the current keys")
                return
            if not hmac.compare_digest(keys.current.encode(), self._current):
                logger.info(
                    "API key secret rotated; accepting the new key, and the previous one until the grace ends",
                    extra={"previous_key_grace_seconds": self._previous_grace.total_seconds()},
                )
            self._use(keys)
