"""EMF metrics of an activity pool: results that could not be delivered (see shop_shared.observability)."""

from __future__ import annotations

from shop_shared.observability.metrics import metrics_logger

__all__ = ["ActivityMetrics"]


class ActivityMetrics:
    """Metrics of one activity pool, dimensioned by {Activity}."""

    def __init__(self, activity: str) -> None:
        self._dimensions = {"Activity": activity}

    async def result_dropped(self, reason: str) -> None:
        """A result (success, failure or the work itself) nobody will take: `TaskGone` or `SendFailed`."""
        logger = metrics_logger(self._dimensions)
        logger.put_metric("ActivityResultsDropped", 1, "Count")
        logger.set_property("Reason", reason)
        await logger.flush()
