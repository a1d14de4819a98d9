"""EMF metrics of deliveries: each send of unknown outcome, so an operator sees every possible miss or duplicate,
and each notification suppressed by the destination cap."""

from __future__ import annotations

from shop_shared.observability.metrics import metrics_logger

from shop_notifications.domain.templates import DeliveryPolicy, TemplateName

__all__ = ["EmfDeliveryMetrics"]

# At most once: maybe never delivered (recorded UNKNOWN). At least once: maybe delivered twice (resent).
METRIC_NAMES = {
    DeliveryPolicy.AT_MOST_ONCE: "AmbiguousSendsAbandoned",
    DeliveryPolicy.AT_LEAST_ONCE: "AmbiguousSendsResent",
}
SUPPRESSED_METRIC = "NotificationsSuppressed"


class EmfDeliveryMetrics:
    """One EMF line per ambiguous send and per suppressed notification, dimensioned by {Service, Template}."""

    def __init__(self, service: str = "notifications") -> None:
        self._service = service

    async def ambiguous_send(self, template: TemplateName, policy: DeliveryPolicy) -> None:
        logger = metrics_logger({"Service": self._service, "Template": str(template)})
        logger.put_metric(METRIC_NAMES[policy], 1, "Count")
        logger.set_property("Policy", str(policy))
        await logger.flush()

    async def suppressed(self, template: TemplateName) -> None:
        logger = metrics_logger({"Service": self._service, "Template": str(template)})
        logger.put_metric(SUPPRESSED_METRIC, 1, "Count")
        await logger.flush()
