"""How long a received message stays hidden from other consumers, and keeping it hidden while it is held."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types_aiobotocore_sqs import SQSClient

__all__ = ["DEFAULT_VISIBILITY_TIMEOUT", "VisibilityHeartbeat", "read_visibility_timeout"]

logger = logging.getLogger(__name__)

# The SQS default; assumed when the queue's own timeout cannot be read, which keeps the heartbeat on the safe side.
DEFAULT_VISIBILITY_TIMEOUT = 30


async def read_visibility_timeout(sqs_client: SQSClient, queue_url: str) -> int:
    try:
        response = await sqs_client.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["VisibilityTimeout"])
        return int(response["Attributes"]["VisibilityTimeout"])
    except Exception as error:
        logger.warning("visibility timeout not read; assuming 30 s", extra={"error": str(error)})
        return DEFAULT_VISIBILITY_TIMEOUT


class VisibilityHeartbeat:
    """While the message is held, every half visibility timeout push its visibility one timeout further.

    Without it a handler slower than the timeout sees its message delivered again to another worker.
    """

    def __init__(self, sqs_client: SQSClient, queue_url: str, receipt_handle: str, visibility_timeout: int) -> None:
        self._client = sqs_client
        self._queue_url = queue_url
        self._handle = receipt_handle
        self._timeout = max(1, visibility_timeout)
        self._task: asyncio.Task[None] | None = None
        self.extensions = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._beat(), name="sqs-visibility-heartbeat")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self._timeout / 2)
            try:
                await self._client.change_message_visibility(
                    QueueUrl=self._queue_url, ReceiptHandle=self._handle, VisibilityTimeout=self._timeout
                )
                self.extensions += 1
            except Exception as error:
                # A missed beat only risks a redelivery, which is harmless.
                logger.warning("visibility extension failed", extra={"error": str(error)})
