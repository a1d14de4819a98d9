"""`make bench-outbox`: how fast the outbox relay drains a Black Friday backlog, against raw PutEvents.

On the local runtime, under a prefix of its own: a backlog of --entries outbox entries is written while the bus
refuses publishes (a relay runs with EventBridge unreachable: every PutEvents fails, nothing is lost), then
the bus is "restored" (relays started against the real one) and the backlog drained by 1 and then by 2 relay
processes, each round with a fresh backlog. Printed: events/s of each round, the raw PutEvents rate (batches of
ten, the same concurrency as one relay, the same bus, this run), the ratios, every process's CPU, and whether
every event arrived exactly once (by event id, through a rule into a queue). Speed is printed, never asserted.
The parts: outbox_raw (the baseline), outbox_relays (backlog and drains), outbox_capture (exactly-once check).
"""

from __future__ import annotations

import argparse
import time
import uuid
from collections import Counter
from pathlib import Path

import boto3
from botocore.config import Config
from shop_shared.outbox import OUTBOX_SHARDS
from shop_shared.topology import DeployedTopology, load_topology

from shop_devtools.provisioning import provision
from shop_devtools.runtime import LocalAws, free_port
from shop_devtools.services import SERVICES, SIMULATORS

from .local_aws import own_local_aws, remove_prefixed_resources, reuse_or_start
from .outbox_capture import capture_queue, exactly_once, receive_until
from .outbox_raw import raw_put_events
from .outbox_relays import backlog_while_the_bus_refuses, count_backlog, drain
from .outbox_shared import RELAY_CONCURRENT_SHARDS, THREADS, Round, say

__all__ = ["main", "parse_args"]

OUTBOX_KEY = "order-outbox"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench-outbox", description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=20_000, help="outbox entries per round (default 20000)")
    parser.add_argument("--raw-events", type=int, default=5_000, help="events for the raw PutEvents rate")
    parser.add_argument("--timeout", type=float, default=2400.0, help="seconds a drain may take (default 2400)")
    parser.add_argument("--keep-logs", action="store_true", help="keep the emulator and relay logs after a success")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    prefix = f"bench-{uuid.uuid4().hex[:8]}-"
    with own_local_aws(
        "outbox-bench-",
        keep_logs=args.keep_logs,
        kept_message="logs of the emulators and relays kept in {work_dir}",
        start=reuse_or_start,
    ) as local:
        runtime = local.runtime
        where = "reused the running runtime" if not runtime.started else "own emulators"
        say(f"{where}: LocalStack {runtime.endpoints.localstack_url}, DynamoDB {runtime.endpoints.dynamodb_url}")
        session = boto3.Session()
        urls = {name: f"http://127.0.0.1:{free_port()}" for name in [*SERVICES, *SIMULATORS]}
        # As deployed on AWS: without the local runtime's event log (it doubles LocalStack's CPU per event).
        deployed, _ = provision(load_topology(), prefix, urls, session=session, event_log=False)
        try:
            local.ok = _run(args, runtime, deployed, session, local.work_dir)
        finally:
            if not runtime.started:
                remove_prefixed_resources(session.client("dynamodb"), session.client("sqs"), prefix)
    return 0 if local.ok else 1


def _run(
    args: argparse.Namespace, runtime: LocalAws, deployed: DeployedTopology, session: boto3.Session, work_dir: Path
) -> bool:
    config = Config(max_pool_connections=THREADS * 2, retries={"mode": "standard", "max_attempts": 10})
    dynamodb = session.client("dynamodb", config=config)
    events = session.client("events", config=config)
    sqs = session.client("sqs", config=config)
    # A bus of the benchmark's own with the capture rule only: the shop's rules would fan every event out to
    # three queues, and the figures would measure LocalStack's deliveries rather than the relay.
    table, bus = deployed.name(OUTBOX_KEY), deployed.name("bench-bus")
    events.create_event_bus(Name=bus)
    emulators = {process.label: process.pid for process in runtime.started}
    ok = True
    rounds: list[Round] = []
    with capture_queue(sqs, events, bus, deployed.name("bench-capture")) as queue_url:
        raw = raw_put_events(events, bus, args.raw_events, emulators)
        say(f"raw PutEvents: {raw.events:,} events in {raw.seconds:.1f} s = {raw.rate:,.0f} events/s")
        received: Counter[str] = Counter()
        receive_until(sqs, queue_url, received, raw.events, deadline=time.perf_counter() + args.timeout)
        ok &= exactly_once(sqs, queue_url, received, raw.events, label="raw")
        for relays in (1, 2):
            envelopes = backlog_while_the_bus_refuses(dynamodb, table, args.entries, runtime, work_dir)
            received = Counter()
            result = drain(
                relays, table, bus, runtime, work_dir, emulators, args.timeout, received, sqs, queue_url, len(envelopes)
            )
            say(f"{result.label}: {result.events:,} events in {result.seconds:.1f} s = {result.rate:,.0f} events/s")
            rounds.append(result)
            ok &= exactly_once(sqs, queue_url, received, len(envelopes), label=result.label)
            waiting = count_backlog(dynamodb, table)
            if waiting:
                say(f"{result.label}: {waiting:,} entries still in the outbox after every event arrived")
                ok = False
    events.delete_event_bus(Name=bus)
    print(_report(args, raw, rounds), flush=True)
    return ok


def _report(args: argparse.Namespace, raw: Round, rounds: list[Round]) -> str:
    lines = [
        "",
        f"outbox drain, {args.entries:,} entries per round, {OUTBOX_SHARDS} shards, "
        f"{RELAY_CONCURRENT_SHARDS} shards drained at once per relay",
        f"{'':<24}{'events':>9}{'seconds':>9}{'events/s':>10}{'vs raw':>8}   CPU seconds (cores busy)",
    ]
    for result in (raw, *rounds):
        cpu = ", ".join(
            f"{name} {seconds:.1f} ({seconds / result.seconds:.2f})"
            for name, seconds in sorted(result.cpu_seconds.items(), key=lambda item: -item[1])
        )
        lines.append(
            f"{result.label:<24}{result.events:>9,}{result.seconds:>9.1f}{result.rate:>10,.0f}"
            f"{result.rate / raw.rate:>8.0%}   {cpu or 'emulators not ours: no CPU figures'}"
        )
    if len(rounds) == 2 and rounds[0].rate:
        lines.append(f"2 relays / 1 relay: {rounds[1].rate / rounds[0].rate:.2f}x")
    lines.append(
        "Goals: 1 relay >= 50 % of raw PutEvents; 2 relays >= 1.6x one where the emulators are not the ceiling "
        "(2 cores: when LocalStack and moto keep about 1.3 cores busy, they are)."
    )
    return "\n".join(lines)
