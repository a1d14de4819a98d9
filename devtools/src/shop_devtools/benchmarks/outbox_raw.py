"""The baseline of `make bench-outbox`: how fast plain PutEvents calls reach the bus, without an outbox."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from shop_shared.contracts import EventEnvelope
from shop_shared.messaging.publisher import PUT_EVENTS_MAX_ENTRIES, to_put_events_entry

from shop_devtools.testing.events import payment_failed_event

from .cpu import CpuMeter
from .outbox_shared import RELAY_CONCURRENT_SHARDS, Round

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient

__all__ = ["raw_put_events"]


def raw_put_events(events: EventBridgeClient, bus: str, count: int, emulators: dict[str, int]) -> Round:
    """PutEvents in batches of ten from as many threads as one relay drains shards at once."""
    batches = [
        [payment_failed_event("bench-raw", customer_id="c-bench") for _ in range(PUT_EVENTS_MAX_ENTRIES)]
        for _ in range(count // 10)
    ]

    def put(batch: list[EventEnvelope[Any]]) -> None:
        response = events.put_events(Entries=[to_put_events_entry(envelope, bus) for envelope in batch])
        if response.get("FailedEntryCount"):
            raise RuntimeError(f"raw PutEvents refused {response['FailedEntryCount']} entries")

    meter = CpuMeter(emulators)
    meter.start()
    began = time.perf_counter()
    with ThreadPoolExecutor(RELAY_CONCURRENT_SHARDS) as pool:
        list(pool.map(put, batches))
    seconds = time.perf_counter() - began
    return Round("raw PutEvents", len(batches) * 10, seconds, meter.stop())
