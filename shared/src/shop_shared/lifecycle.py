"""Helpers for long-running loops that must stop promptly when asked."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["SHUTDOWN_MARGIN_SECONDS", "BackgroundWorkers", "run_unless_stopped", "sleep_or_stop"]

logger = logging.getLogger(__name__)

# A loop's own deadline is this much shorter than the BackgroundWorkers grace: time to give work back cleanly.
SHUTDOWN_MARGIN_SECONDS = 3.0


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    """Sleep for `seconds`, or less if `stop` is set meanwhile."""
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass


async def run_unless_stopped[T](stop: asyncio.Event, call: Awaitable[T]) -> tuple[bool, T | None]:
    """Await `call` unless `stop` is set first, in which case `call` is cancelled.

    Returns (completed, result). Used for long polls, so that a stop request never waits them out.
    """
    work: asyncio.Future[Any] = asyncio.ensure_future(call)
    stopped = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait({work, stopped}, return_when=asyncio.FIRST_COMPLETED)
    if work in done:
        stopped.cancel()
        return True, work.result()
    work.cancel()
    await asyncio.gather(work, return_exceptions=True)
    return False, None


class BackgroundWorkers:
    """Long-running loops of a service (consumers, relays), started in its lifespan and stopped on shutdown."""

    def __init__(self) -> None:
        self.stop = asyncio.Event()
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def start(self, name: str, loop: Callable[[asyncio.Event], Awaitable[None]]) -> None:
        async def run() -> None:
            await loop(self.stop)

        self._tasks[name] = asyncio.create_task(run(), name=name)

    def unhealthy(self) -> list[str]:
        """Loops that ended although no stop was asked for (the health check reports them)."""
        return [name for name, task in self._tasks.items() if task.done() and not self.stop.is_set()]

    async def shutdown(self, grace_seconds: float) -> None:
        """Ask every loop to stop, give them `grace_seconds` to finish, then cancel what is left."""
        self.stop.set()
        if not self._tasks:
            return
        _, pending = await asyncio.wait(self._tasks.values(), timeout=grace_seconds)
        for task in pending:
            logger.warning("background loop did not stop in time; cancelling", extra={"loop": task.get_name()})
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
