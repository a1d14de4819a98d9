"""Message visibility on SQS: extending it while a handler runs, giving messages back at shutdown."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

__all__ = ["VisibilityHeartbeat", "delete_handles", "release_handles"]

logger = logging.getLogger(__name__)

SQS_MAX_BATCH = 10


class VisibilityHeartbeat:
    """While the message is held, every half visibility timeout push its visibility one timeout further.

    Without it a handler slower than the timeout sees its message delivered again to another worker.
    """

    def __init__(self, sqs_client: Any, queue_url: str, receipt_handle: str, visibility_timeout: int) -> None:
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


async def _in_batches(sqs_client: Any, operation: str, queue_url: str, entries: list[dict[str, Any]]) -> None:
    for start in range(0, len(entries), SQS_MAX_BATCH):
        batch = entries[start : start + SQS_MAX_BATCH]
        try:
            response = await getattr(sqs_client, operation)(QueueUrl=queue_url, Entries=batch)
        except Exception as error:
            # At worst the messages come back after the visibility timeout.
            logger.warning(f"{operation} failed", extra={"error": str(error), "entries": len(batch)})
            continue
        for failure in response.get("Failed", []):
            logger.warning(f"{operation} entry failed", extra={"failure": failure})


async def delete_handles(sqs_client: Any, queue_url: str, handles: Sequence[str]) -> None:
    """Delete handled messages; a failed entry is logged: the message comes back and the idempotent handler skips it."""
    entries = [{"Id": str(index), "ReceiptHandle": handle} for index, handle in enumerate(handles)]
    await _in_batches(sqs_client, "delete_message_batch", queue_url, entries)


async def release_handles(sqs_client: Any, queue_url: str, handles: Sequence[str]) -> None:
    """Make messages visible again at once, so another task takes them without waiting out the timeout."""
    entries = [
        {"Id": str(index), "ReceiptHandle": handle, "VisibilityTimeout": 0} for index, handle in enumerate(handles)
    ]
    await _in_batches(sqs_client, "change_message_visibility_batch", queue_url, entries)
