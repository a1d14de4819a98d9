"""What the tier run needs beyond loyalty's ports: a unit of work that stores events and publishes in rounds."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

from shop_loyalty.tiers import UnitOfWork

__all__ = ["TierRunUnitOfWork"]


class TierRunUnitOfWork(UnitOfWork, Protocol):
    def publishing_together(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """A unit of work whose commits' events are published in one call when the block ends without error
        (so a round of many small commits costs a few PutEvents calls); after an error the sweep sends them."""
        ...
