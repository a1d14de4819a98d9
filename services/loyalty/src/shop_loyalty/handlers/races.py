"""Retrying a handler's transaction that lost a race against another writer of the same account."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from shop_loyalty.exceptions import ConcurrentUpdate

__all__ = ["retry_races"]


async def retry_races[T](attempt_once: Callable[[], Awaitable[T]], max_attempts: int) -> T:
    """Runs `attempt_once` again (it re-reads) while it loses races, with jittered backoff."""
    retrying = AsyncRetrying(
        retry=retry_if_exception_type(ConcurrentUpdate),
        stop=stop_after_attempt(max_attempts),
        wait=wait_random_exponential(multiplier=0.02, max=0.5),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            return await attempt_once()
    raise AssertionError("unreachable: tenacity either returns or re-raises")
