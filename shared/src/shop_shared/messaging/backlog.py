"""The backlog figures for autoscaling: the queue's depth and what this task handles, every interval."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from shop_shared.lifecycle import sleep_or_stop
from shop_shared.observability.metrics import ConsumerMetrics

if TYPE_CHECKING:
    from types_aiobotocore_sqs import SQSClient

__all__ = ["BacklogReporter"]

logger = logging.getLogger(__name__)


class BacklogReporter:
    """Writes `ApproximateNumberOfMessages`, `...NotVisible` and `InFlight` every `interval_seconds`."""

    def __init__(
        self,
        sqs_client: SQSClient,
        queue_url: str,
        metrics: ConsumerMetrics,
        in_flight: Callable[[], int],
        interval_seconds: float,
    ) -> None:
        self._client = sqs_client
        self._queue_url = queue_url
        self._metrics = metrics
        self._in_flight = in_flight
        self._interval = interval_seconds

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                response = await self._client.get_queue_attributes(
                    QueueUrl=self._queue_url,
                    AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
                )
                attributes = response["Attributes"]
                await self._metrics.backlog(
                    int(attributes["ApproximateNumberOfMessages"]),
                    int(attributes["ApproximateNumberOfMessagesNotVisible"]),
                    self._in_flight(),
                )
            except Exception as error:
                # A missing figure must not stop the consumer.
                logger.warning("backlog figure not read", extra={"error": str(error)})
            await sleep_or_stop(stop, self._interval)
