"""ECS task scale-in protection: protected while the worker handles messages, released when it is idle.

ECS scale-in would otherwise stop a task in the middle of a long handler. The agent endpoint is
`PUT $ECS_AGENT_URI/task-protection/v1/state`; bootstrap passes the URI from the settings (`ECS_AGENT_URI`,
which ECS sets); without one (local runs) everything is a no-op.
Failures to reach the agent are logged, never raised: protection is an optimisation, not a correctness need.
"""

from __future__ import annotations

import asyncio
import logging
import time

import httpx

__all__ = ["TaskProtection"]

logger = logging.getLogger(__name__)


class TaskProtection:
    """Call `busy()` when work starts and `idle()` when nothing is in flight; `close()` at shutdown."""

    def __init__(
        self,
        agent_uri: str | None,
        *,
        expires_in_minutes: int = 10,
        idle_release_seconds: float = 5.0,
        timeout_seconds: float = 2.0,
    ) -> None:
        self._agent_uri = agent_uri
        self._expires_minutes = expires_in_minutes
        self._idle_release = idle_release_seconds
        self._timeout = timeout_seconds
        self._protected_until = 0.0  # monotonic time the current protection runs out; 0 when not protected
        self._release_task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    @property
    def enabled(self) -> bool:
        return bool(self._agent_uri)

    @property
    def protected(self) -> bool:
        return self._protected_until > time.monotonic()

    async def busy(self) -> None:
        """Protect the task, or renew the protection when less than half of it is left."""
        if not self.enabled:
            return
        if self._release_task is not None:
            self._release_task.cancel()
            self._release_task = None
        async with self._lock:
            remaining = self._protected_until - time.monotonic()
            if remaining > self._expires_minutes * 30:
                return
            if await self._put({"ProtectionEnabled": True, "ExpiresInMinutes": self._expires_minutes}):
                self._protected_until = time.monotonic() + self._expires_minutes * 60

    def idle(self) -> None:
        """Release after `idle_release_seconds` without work, so a steady trickle does not flap."""
        if not self.enabled or self._protected_until == 0.0 or self._release_task is not None:
            return
        self._release_task = asyncio.create_task(self._release_later(), name="task-protection-release")

    async def close(self) -> None:
        """Release at once: the worker has stopped, ECS may stop the task."""
        if self._release_task is not None:
            self._release_task.cancel()
            self._release_task = None
        await self._release()

    async def _release_later(self) -> None:
        await asyncio.sleep(self._idle_release)
        self._release_task = None
        await self._release()

    async def _release(self) -> None:
        if not self.enabled or self._protected_until == 0.0:
            return
        async with self._lock:
            if await self._put({"ProtectionEnabled": False}):
                self._protected_until = 0.0

    async def _put(self, body: dict[str, object]) -> bool:
        url = f"{self._agent_uri}/task-protection/v1/state"
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as client:
                response = await client.put(url, json=body)
            response.raise_for_status()
        except httpx.HTTPError as error:
            logger.warning("task protection call failed", extra={"error": str(error), "request": body})
            return False
        return True
