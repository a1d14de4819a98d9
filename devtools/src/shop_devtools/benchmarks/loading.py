"""Writes the generated customers into the accounts table in parallel batches of 25."""

from __future__ import annotations

import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shop_loyalty.adapters.accounts import account_to_item

from .customers import TierOutlook, generate_accounts

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = ["LoadedCustomers", "load_customers"]

BATCH_SIZE = 25  # BatchWriteItem's limit
STORED_VERSION = 1  # as if the loyalty service had saved each account once
UNPROCESSED_ROUNDS = 8


@dataclass
class LoadedCustomers:
    count: int
    seconds: float
    outlook: TierOutlook
    # customer id -> (stored tier, the tier the run must give), of every (count / sample size)-th customer.
    sample: dict[str, tuple[str, str]] = field(default_factory=dict)


def load_customers(
    dynamodb: DynamoDBClient, table: str, count: int, *, seed: int, as_of: str, threads: int = 8, sample_size: int = 200
) -> LoadedCustomers:
    """Generate and write `count` accounts; `dynamodb` is a thread-safe boto3 client with `threads` connections."""
    outlook = TierOutlook()
    sample: dict[str, tuple[str, str]] = {}
    step = max(1, count // sample_size)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="load") as pool:
        in_flight: set[Future[None]] = set()
        batch: list[dict[str, Any]] = []
        for generated in generate_accounts(count, seed=seed, as_of=as_of):
            expected = outlook.add(generated.account, as_of)
            if generated.index % step == 0:
                sample[generated.account.customer_id] = (generated.account.tier, expected)
            batch.append(account_to_item(generated.account, STORED_VERSION))
            if len(batch) == BATCH_SIZE or generated.index == count - 1:
                if len(in_flight) >= threads * 2:  # bounded: the generator never runs far ahead of the writes
                    done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                    for future in done:
                        future.result()
                in_flight.add(pool.submit(_write_batch, dynamodb, table, batch))
                batch = []
        for future in in_flight:
            future.result()
    return LoadedCustomers(count, time.perf_counter() - started, outlook, sample)


def _write_batch(dynamodb: DynamoDBClient, table: str, items: list[dict[str, Any]]) -> None:
    requests: dict[str, Any] = {table: [{"PutRequest": {"Item": item}} for item in items]}
    for attempt in range(UNPROCESSED_ROUNDS):
        requests = dynamodb.batch_write_item(RequestItems=requests).get("UnprocessedItems") or {}
        if not requests:
            return
        time.sleep(0.05 * 2**attempt)
    raise RuntimeError(f"{len(requests.get(table, []))} accounts still unprocessed after {UNPROCESSED_ROUNDS} rounds")
