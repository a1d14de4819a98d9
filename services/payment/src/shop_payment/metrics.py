"""The payment outcomes an operator alarms on, as CloudWatch Embedded Metric Format lines (stdout).

`LateChargeRefunded` has an alarm in Terraform (observability module): money was taken for an order the shop
reported failed. The others show how often the provider's answers are lost and reconciled.
"""

from __future__ import annotations

from aws_embedded_metrics.logger.metrics_logger_factory import create_metrics_logger
from shop_shared.observability.metrics import METRICS_NAMESPACE, configure_emf

__all__ = ["PaymentMetrics"]


class PaymentMetrics:
    def __init__(self, service: str = "payment") -> None:
        configure_emf()
        self._service = service

    async def count(self, name: str) -> None:
        logger = create_metrics_logger()
        logger.set_namespace(METRICS_NAMESPACE)
        logger.set_dimensions({"Service": self._service}, use_default=False)
        logger.put_metric(name, 1, "Count")
        await logger.flush()
