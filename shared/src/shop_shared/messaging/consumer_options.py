"""The options a service passes to its SqsEventConsumer, and the set every deployed service uses."""

from __future__ import annotations

from typing import TypedDict

from shop_shared.ecs import TaskProtection
from shop_shared.lifecycle import SHUTDOWN_MARGIN_SECONDS
from shop_shared.observability.metrics import ConsumerMetrics
from shop_shared.settings import QueueConsumerSettings

__all__ = ["ConsumerOptions", "service_consumer_options"]


class ConsumerOptions(TypedDict, total=False):
    """Every key is optional; the consumer's defaults are in brackets."""

    wait_time_seconds: int  # the long poll's wait [20]
    max_messages: int  # per receive, at most 10 [10]
    max_in_flight: int  # handlers running at once [10]
    visibility_timeout: int | None  # the heartbeat's; None reads the queue's [None]
    shutdown_grace_seconds: float  # for running handlers and an open poll after the stop [25]
    metrics: ConsumerMetrics | None  # EMF outcome, processing time and backlog figures [None]
    backlog_interval_seconds: float  # how often the backlog figures are written [60]
    task_protection: TaskProtection | None  # ECS scale-in protection while busy [none]


def service_consumer_options(
    service: str, queue: str, settings: QueueConsumerSettings, *, max_in_flight: int = 10
) -> ConsumerOptions:
    """EMF metrics by service and queue, ECS scale-in protection (a no-op off ECS), poll wait, shutdown deadline."""
    return ConsumerOptions(
        wait_time_seconds=settings.sqs_wait_seconds,
        max_in_flight=max_in_flight,
        shutdown_grace_seconds=max(0.0, settings.shutdown_grace_seconds - SHUTDOWN_MARGIN_SECONDS),
        metrics=ConsumerMetrics(service, queue),
        task_protection=TaskProtection(settings.ecs_agent_uri),
    )
