"""EMF metrics of an activity pool: results that could not be delivered (see shop_shared.observability)."""

from __future__ import annotations

from aws_embedded_metrics.logger.metrics_logger_factory import create_metrics_logger

from shop_shared.observability.metrics import METRICS_NAMESPACE, configure_emf

__all__ = ["ActivityMetrics"]


class ActivityMetrics:
    """Metrics of one activity pool, dimensioned by {Activity}."""

    def __init__(self, activity: str) -> None:
        configure_emf()
        self._dimensions = {"Activity": activity}

    async def result_dropped(self, reason: str) -> None:
        """A result (success, failure or the work itself) nobody will take: `TaskGone` or `SendFailed`."""
        logger = create_metrics_logger()
        logger.set_namespace(METRICS_NAMESPACE)
        logger.set_dimensions(dict(self._dimensions), use_default=False)
        logger.put_metric("ActivityResultsDropped", 1, "Count")
        logger.set_property("Reason", reason)
        await logger.flush()
