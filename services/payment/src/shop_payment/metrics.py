"""The payment outcomes an operator alarms on, as CloudWatch Embedded Metric Format lines (stdout).

`LateChargeRefunded` has an alarm in Terraform (observability module): money was taken for an order the shop
reported failed. The others show how often the provider's answers are lost and reconciled.
"""

from __future__ import annotations

from shop_shared.observability.metrics import metrics_logger

__all__ = ["PaymentMetrics"]


class PaymentMetrics:
    def __init__(self, service: str = "payment") -> None:
        self._service = service

    async def count(self, name: str) -> None:
        logger = metrics_logger({"Service": self._service})
        logger.put_metric(name, 1, "Count")
        await logger.flush()
