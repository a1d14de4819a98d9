"""The raw baseline of part 3, run as a process of its own: SQS receive + delete only, nothing handled.

The same batch size and concurrency as the loyalty consumer (shop_shared.messaging): one long poll at a time
for up to `--batch` messages while fewer than `--in-flight` are held, each batch deleted with one
DeleteMessageBatch. Runs until SIGTERM: `python -m shop_devtools.benchmarks.efficiency.raw_sqs_drain URL`.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING

import aioboto3
from shop_shared.aws.clients import LONG_POLL_READ_TIMEOUT, open_client

if TYPE_CHECKING:
    from types_aiobotocore_sqs import SQSClient

__all__ = ["main"]


async def _delete(sqs: SQSClient, queue_url: str, handles: list[str], slots: asyncio.Semaphore, held: int) -> None:
    try:
        await sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(index), "ReceiptHandle": handle} for index, handle in enumerate(handles)],
        )
    finally:
        for _ in range(held):
            slots.release()


async def drain(queue_url: str, batch: int, in_flight: int, wait_seconds: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    slots = asyncio.Semaphore(in_flight)
    deletes: set[asyncio.Task[None]] = set()
    async with AsyncExitStack() as stack:
        sqs = await open_client(stack, aioboto3.Session(), "sqs", read_timeout=LONG_POLL_READ_TIMEOUT)
        while not stop.is_set():
            await slots.acquire()  # like the consumer: poll only while a slot is free
            slots.release()
            response = await sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=batch, WaitTimeSeconds=wait_seconds
            )
            messages = response.get("Messages", [])
            for _ in messages:
                await slots.acquire()
            if messages:
                task = asyncio.create_task(
                    _delete(sqs, queue_url, [message["ReceiptHandle"] for message in messages], slots, len(messages))
                )
                deletes.add(task)
                task.add_done_callback(deletes.discard)
        await asyncio.gather(*deletes, return_exceptions=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("queue_url")
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--in-flight", type=int, default=10)
    parser.add_argument("--wait-seconds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(drain(args.queue_url, args.batch, args.in_flight, args.wait_seconds))


if __name__ == "__main__":
    main()
