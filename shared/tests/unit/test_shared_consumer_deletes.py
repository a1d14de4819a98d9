"""What the consumer tells SQS about received messages: deletes and releases in batches of ten, gathered
deletes, and failures that are logged, never raised (the message only comes back later)."""

import asyncio
import logging
from typing import Any

import pytest
from shop_shared.messaging.deletes import PendingReceipts, delete_handles, release_handles

QUEUE = "https://sqs.local/000000000000/q"


class RecordingSqs:
    """Records the batch calls; `fail_calls` calls raise, `failed_ids` entries are answered as failed."""

    def __init__(self, *, fail_calls: int = 0, failed_ids: frozenset[str] = frozenset()) -> None:
        self.deletes: list[list[dict[str, Any]]] = []
        self.releases: list[list[dict[str, Any]]] = []
        self.fail_calls = fail_calls
        self.failed_ids = failed_ids

    async def delete_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        return self._answer(self.deletes, Entries)

    async def change_message_visibility_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        return self._answer(self.releases, Entries)

    def _answer(self, calls: list[list[dict[str, Any]]], entries: list[dict[str, Any]]) -> dict[str, Any]:
        calls.append(entries)
        if self.fail_calls:
            self.fail_calls -= 1
            raise ConnectionError("sqs unreachable")
        failed = [
            {"Id": entry["Id"], "Code": "ReceiptHandleIsInvalid"} for entry in entries if entry["Id"] in self.failed_ids
        ]
        return {"Successful": [entry for entry in entries if entry["Id"] not in self.failed_ids], "Failed": failed}


def handles(count: int) -> list[str]:
    return [f"rh-{index}" for index in range(count)]


async def test_deletes_go_in_batches_of_ten_with_ids_unique_per_call() -> None:
    sqs = RecordingSqs()

    await delete_handles(sqs, QUEUE, handles(23))

    assert [len(batch) for batch in sqs.deletes] == [10, 10, 3]
    assert [entry["ReceiptHandle"] for batch in sqs.deletes for entry in batch] == handles(23)
    for batch in sqs.deletes:
        assert len({entry["Id"] for entry in batch}) == len(batch)


async def test_a_release_makes_the_messages_visible_at_once() -> None:
    sqs = RecordingSqs()

    await release_handles(sqs, QUEUE, handles(12))

    assert [len(batch) for batch in sqs.releases] == [10, 2]
    assert {entry["VisibilityTimeout"] for batch in sqs.releases for entry in batch} == {0}


async def test_a_failed_call_or_entry_is_logged_and_the_next_batch_still_sent(caplog: pytest.LogCaptureFixture) -> None:
    sqs = RecordingSqs(fail_calls=1, failed_ids=frozenset({"12"}))

    with caplog.at_level(logging.WARNING):
        await delete_handles(sqs, QUEUE, handles(15))

    assert [len(batch) for batch in sqs.deletes] == [10, 5]
    assert [record.getMessage() for record in caplog.records] == [
        "delete_message_batch failed",
        "delete_message_batch entry failed",
    ]


async def test_deletes_of_messages_finishing_together_go_in_one_call() -> None:
    sqs = RecordingSqs()
    receipts = PendingReceipts(sqs, QUEUE)
    deleting = asyncio.create_task(receipts.delete_continuously())
    try:
        for handle in handles(3):
            receipts.delete_soon(handle)
        await asyncio.sleep(0.2)
        assert [[entry["ReceiptHandle"] for entry in batch] for batch in sqs.deletes] == [handles(3)]
    finally:
        deleting.cancel()
        await asyncio.gather(deleting, return_exceptions=True)


async def test_queued_deletes_and_releases_are_sent_when_asked_and_nothing_when_none_wait() -> None:
    sqs = RecordingSqs()
    receipts = PendingReceipts(sqs, QUEUE)
    await receipts.flush_deletes()
    await receipts.release_now()
    assert sqs.deletes == [] and sqs.releases == []

    receipts.delete_soon("rh-done")
    receipts.release_later("rh-a", "rh-b")
    await receipts.flush_deletes()
    await receipts.release_now()
    await receipts.release_now()

    assert [[entry["ReceiptHandle"] for entry in batch] for batch in sqs.deletes] == [["rh-done"]]
    assert [[entry["ReceiptHandle"] for entry in batch] for batch in sqs.releases] == [["rh-a", "rh-b"]]
