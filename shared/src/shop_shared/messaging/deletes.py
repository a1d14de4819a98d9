"""What the consumer tells SQS about the messages it received: delete the handled ones, give back the others.

Deletes are gathered: messages finishing together go in one `DeleteMessageBatch`. A given-back message is made
visible again at once (`VisibilityTimeout` 0) so another task takes it without waiting out the timeout.
Failures are logged, never raised: at worst a message comes back after its visibility timeout, and the
idempotent handler skips it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types_aiobotocore_sqs import SQSClient
    from types_aiobotocore_sqs.type_defs import (
        ChangeMessageVisibilityBatchRequestEntryTypeDef,
        DeleteMessageBatchRequestEntryTypeDef,
    )

__all__ = ["SQS_MAX_BATCH", "PendingReceipts", "delete_handles", "release_handles"]

logger = logging.getLogger(__name__)

SQS_MAX_BATCH = 10
# A moment's wait gathers the deletes of messages finishing together into one call.
DELETE_GATHERING_SECONDS = 0.05


async def delete_handles(sqs_client: SQSClient, queue_url: str, handles: Sequence[str]) -> None:
    """Delete handled messages; a failed entry is logged: the message comes back and the idempotent handler skips it."""
    entries: list[DeleteMessageBatchRequestEntryTypeDef] = [
        {"Id": str(index), "ReceiptHandle": handle} for index, handle in enumerate(handles)
    ]

    async def delete(batch: list[DeleteMessageBatchRequestEntryTypeDef]) -> Mapping[str, Any]:
        return await sqs_client.delete_message_batch(QueueUrl=queue_url, Entries=batch)

    await _in_batches("delete_message_batch", delete, entries)


async def release_handles(sqs_client: SQSClient, queue_url: str, handles: Sequence[str]) -> None:
    """Make messages visible again at once, so another task takes them without waiting out the timeout."""
    entries: list[ChangeMessageVisibilityBatchRequestEntryTypeDef] = [
        {"Id": str(index), "ReceiptHandle": handle, "VisibilityTimeout": 0} for index, handle in enumerate(handles)
    ]

    async def release(batch: list[ChangeMessageVisibilityBatchRequestEntryTypeDef]) -> Mapping[str, Any]:
        return await sqs_client.change_message_visibility_batch(QueueUrl=queue_url, Entries=batch)

    await _in_batches("change_message_visibility_batch", release, entries)


async def _in_batches[Entry](
    operation: str, call: Callable[[list[Entry]], Awaitable[Mapping[str, Any]]], entries: list[Entry]
) -> None:
    for start in range(0, len(entries), SQS_MAX_BATCH):
        batch = entries[start : start + SQS_MAX_BATCH]
        try:
            response = await call(batch)
        except Exception as error:
            # At worst the messages come back after the visibility timeout.
            logger.warning(f"{operation} failed", extra={"error": str(error), "entries": len(batch)})
            continue
        for failure in response.get("Failed", []):
            logger.warning(f"{operation} entry failed", extra={"failure": failure})


class PendingReceipts:
    """Receipt handles waiting to be told to SQS: deletes of handled messages, releases of given-back ones."""

    def __init__(self, sqs_client: SQSClient, queue_url: str) -> None:
        self._client = sqs_client
        self._queue_url = queue_url
        self._to_delete: list[str] = []
        self._to_release: list[str] = []
        self._delete_wanted = asyncio.Event()

    def delete_soon(self, handle: str) -> None:
        """Queue the delete of a handled message; `delete_continuously` sends it within a moment."""
        self._to_delete.append(handle)
        self._delete_wanted.set()

    def release_later(self, *handles: str) -> None:
        """Queue messages to give back; `release_now` sends them."""
        self._to_release.extend(handles)

    async def delete_continuously(self) -> None:
        """Send the queued deletes as they come, until cancelled."""
        while True:
            await self._delete_wanted.wait()
            await asyncio.sleep(DELETE_GATHERING_SECONDS)
            self._delete_wanted.clear()
            await self.flush_deletes()

    async def flush_deletes(self) -> None:
        if self._to_delete:
            handles, self._to_delete = self._to_delete, []
            await delete_handles(self._client, self._queue_url, handles)

    async def release_now(self) -> None:
        if self._to_release:
            handles, self._to_release = self._to_release, []
            logger.info("giving back unstarted messages", extra={"count": len(handles)})
            await release_handles(self._client, self._queue_url, handles)
