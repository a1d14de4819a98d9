"""The composition-root contract every service follows.

Each service has one `bootstrap(settings, stack) -> <Service>Container` in `bootstrap.py`: the only place that
opens AWS and HTTP clients (entered on `stack`, so they close with the app's lifespan) and wires adapters to the
handlers. Its container subclasses `Container`: the ports the entry points use, the clock, and the background
loops the lifespan runs. Entry points take `build: Bootstrap[...] = bootstrap`; tests pass one returning fakes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime

__all__ = ["BackgroundLoop", "Bootstrap", "Clock", "Container", "utc_now"]

# A long-running loop (a consumer, a relay, a sweep): runs until the event is set, then returns promptly.
type BackgroundLoop = Callable[[asyncio.Event], Awaitable[None]]
type Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The production clock; tests pass a fixed or stepping one."""
    return datetime.now(UTC)


@dataclass(kw_only=True)
class Container:
    """What `bootstrap` returns. Subclass it once per service and add the ports the entry points need."""

    clock: Clock = utc_now
    background: dict[str, BackgroundLoop] = field(default_factory=dict)

    async def drain(self, grace_seconds: float) -> None:
        """Finish in-flight work that still needs the background loops (they stop after this returns).

        Called on shutdown with the whole grace period; the loops then get what is left. Nothing by default.
        """


# `bootstrap(settings, stack)`: builds the container; what it enters on `stack` is closed after the loops stopped.
type Bootstrap[S, C: Container] = Callable[[S, AsyncExitStack], Awaitable[C]]
