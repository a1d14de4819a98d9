"""One outbox relay as a process of its own, for `make bench-outbox`: the relay every service runs, without the
service around it. `python -m shop_devtools.benchmarks.outbox_relay_process` with BENCH_OUTBOX_TABLE and
BENCH_EVENT_BUS (and the AWS variables of the runtime); it runs until SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal

import aioboto3
from shop_shared.aws import client_config
from shop_shared.messaging import EventBridgePublisher
from shop_shared.observability import configure_logging
from shop_shared.outbox import DynamoDbOutbox, OutboxRelay


async def relay_until_stopped(table: str, bus: str) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    session = aioboto3.Session()
    config = client_config(pool_size=32)
    async with session.client("dynamodb", config=config) as dynamodb, session.client("events", config=config) as events:
        relay = OutboxRelay(
            DynamoDbOutbox(dynamodb, table),
            EventBridgePublisher(events, bus),
            sweep_interval_seconds=float(os.environ.get("BENCH_SWEEP_INTERVAL_SECONDS", "0.5")),
            sweep_min_age_seconds=0.0,
            lease_seconds=float(os.environ.get("BENCH_LEASE_SECONDS", "30")),  # the services' default
            max_concurrent_shards=int(os.environ.get("BENCH_CONCURRENT_SHARDS", "8")),
            max_backoff_seconds=2.0,
            metrics_interval_seconds=3600.0,  # the benchmark counts for itself
        )
        print(f"relay {relay.owner} ready", flush=True)
        await relay.run(stop)


def main() -> None:
    configure_logging("outbox-relay", os.environ.get("BENCH_LOG_LEVEL", "WARNING"))
    asyncio.run(relay_until_stopped(os.environ["BENCH_OUTBOX_TABLE"], os.environ["BENCH_EVENT_BUS"]))


if __name__ == "__main__":
    main()
