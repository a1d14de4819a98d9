"""The options a service passes to its SqsEventConsumer, and the set every deployed service uses."""

from __future__ import annotations

from typing import TypedDict

from shop_shared.ecs import TaskProtection
from shop_shared.lifecycle import SHUTDOWN_MARGIN_SECONDS
from shop_shared.observability.metrics import ConsumerMetrics
from shop_shared.settings import QueueConsumerSettings

__all__ = ["ConsumerOptions", "service_consumer_options"]


class ConsumerOptions(TypedDict, total=False):
    wait_time_seconds: int
    max_in_flight: int
    shutdown_grace_seconds: float
    metrics: ConsumerMetrics | None
    backlog_interval_seconds: float
    task_protection: TaskProtection | None


def service_consumer_options(
    service: str, queue: str, settings: QueueConsumerSettings, *, max_in_flight: int = 10
) -> ConsumerOptions:
    """EMF metrics by service and queue, ECS scale-in protection (a no-op off ECS), poll wait, shutdown deadline."""
    return ConsumerOptions(
        wait_time_seconds=settings.sqs_wait_seconds,
        max_in_flight=max_in_flight,
        shutdown_grace_seconds=max(0.0, settings.shutdown_grace_seconds - SHUTDOWN_MARGIN_SECONDS),
        metrics=ConsumerMetrics(service, queue),
        task_protection=TaskProtection(),
    )
