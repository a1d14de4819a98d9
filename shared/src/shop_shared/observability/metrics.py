"""CloudWatch Embedded Metric Format lines for queue consumers: processing time, outcomes and backlog.

The lines go to stdout (EMF environment "Local"); on ECS the awslogs driver ships them to CloudWatch Logs,
which turns them into metrics without any API call, so nothing here is on the network or in the hot path.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_embedded_metrics.config import get_config
from aws_embedded_metrics.logger.metrics_logger import MetricsLogger
from aws_embedded_metrics.logger.metrics_logger_factory import create_metrics_logger

__all__ = ["METRICS_NAMESPACE", "ConsumerMetrics", "configure_emf", "metrics_logger"]

METRICS_NAMESPACE = "Shop"


def configure_emf() -> None:
    """Write EMF to stdout whatever the host: no agent, no environment probing over the network."""
    config = get_config()
    config.environment = "local"
    config.namespace = METRICS_NAMESPACE


def metrics_logger(dimensions: Mapping[str, str]) -> MetricsLogger:
    """A logger for one EMF line in the shop's namespace with exactly these dimensions (no default ones)."""
    configure_emf()
    logger = create_metrics_logger()
    logger.set_namespace(METRICS_NAMESPACE)
    logger.set_dimensions(dict(dimensions), use_default=False)
    return logger


class ConsumerMetrics:
    """Metrics of one queue consumer, dimensioned by {Service, Queue}."""

    def __init__(self, service: str, queue: str) -> None:
        configure_emf()
        self._dimensions = {"Service": service, "Queue": queue}

    async def message_handled(self, outcome: str, duration_ms: float) -> None:
        """One line per handled message: its ProcessingTime and a count of 1 for its outcome."""
        logger = self._logger()
        logger.put_metric("ProcessingTime", duration_ms, "Milliseconds")
        logger.put_metric(f"Messages{outcome.capitalize()}", 1, "Count")
        logger.set_property("Outcome", outcome)
        await logger.flush()

    async def backlog(self, visible: int, not_visible: int, in_flight: int) -> None:
        """The inputs of backlog-per-task autoscaling: what waits in the queue and what this task handles."""
        logger = self._logger()
        logger.put_metric("ApproximateNumberOfMessages", visible, "Count")
        logger.put_metric("ApproximateNumberOfMessagesNotVisible", not_visible, "Count")
        logger.put_metric("InFlight", in_flight, "Count")
        await logger.flush()

    def _logger(self) -> MetricsLogger:
        return metrics_logger(self._dimensions)
