"""`make bench-outbox`: how fast the outbox relay drains a Black Friday backlog, against raw PutEvents.

On the local runtime, under a prefix of its own: a backlog of --entries outbox entries is written while the bus
refuses publishes (a relay runs with EventBridge unreachable: every PutEvents fails, nothing is lost), then
the bus is "restored" (relays started against the real one) and the backlog drained by 1 and then by 2 relay
processes, each round with a fresh backlog. Printed: events/s of each round, the raw PutEvents rate (batches of
ten, the same concurrency as one relay, the same bus, this run), the ratios, every process's CPU, and whether
every event arrived exactly once (by event id, through a rule into a queue). Speed is printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from shop_shared.contracts import EventEnvelope
from shop_shared.messaging.publisher import PUT_EVENTS_MAX_ENTRIES, to_put_events_entry
from shop_shared.outbox import OUTBOX_SHARDS, PENDING_INDEX, DynamoDbOutbox
from shop_shared.topology import DeployedTopology, load_topology

from shop_devtools.emulators import base_process_env
from shop_devtools.paths import REPO_ROOT
from shop_devtools.processes import ManagedProcess, stop_all
from shop_devtools.provisioning import provision
from shop_devtools.runtime import LocalAws, free_port, reuse_or_start_local_aws
from shop_devtools.services import SERVICES, SIMULATORS
from shop_devtools.testing.events import payment_failed_event

from .cpu import CpuMeter
from .local_aws import aws_variables, remove_prefixed_resources

__all__ = ["main"]

OUTBOX_KEY = "order-outbox"
THREADS = 8
RELAY_CONCURRENT_SHARDS = 8


@dataclass
class Round:
    label: str
    events: int
    seconds: float
    cpu_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


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
    work_dir = Path(tempfile.mkdtemp(prefix="outbox-bench-"))
    runtime = reuse_or_start_local_aws(data_dir=work_dir / "localstack", log_dir=work_dir)
    where = "reused the running runtime" if not runtime.started else "own emulators"
    _say(f"{where}: LocalStack {runtime.endpoints.localstack_url}, DynamoDB {runtime.endpoints.dynamodb_url}")
    ok = False
    try:
        with aws_variables(runtime.env):
            session = boto3.Session()
            urls = {name: f"http://127.0.0.1:{free_port()}" for name in [*SERVICES, *SIMULATORS]}
            deployed, _ = provision(load_topology(), prefix, urls, session=session)
            try:
                ok = _run(args, runtime, deployed, session, work_dir)
            finally:
                if not runtime.started:
                    remove_prefixed_resources(session.client("dynamodb"), session.client("sqs"), prefix)
    finally:
        runtime.stop()
        if ok and not args.keep_logs:
            shutil.rmtree(work_dir, ignore_errors=True)
        else:
            print(f"logs of the emulators and relays kept in {work_dir}", file=sys.stderr, flush=True)
    return 0 if ok else 1


def _run(args: argparse.Namespace, runtime: LocalAws, deployed: DeployedTopology, session: Any, work_dir: Path) -> bool:
    config = Config(max_pool_connections=THREADS * 2, retries={"mode": "standard", "max_attempts": 10})
    dynamodb, events, sqs = (session.client(name, config=config) for name in ("dynamodb", "events", "sqs"))
    # A bus of the benchmark's own with the capture rule only: the shop's rules would fan every event out to
    # three queues, and the figures would measure LocalStack's deliveries rather than the relay.
    table, bus = deployed.name(OUTBOX_KEY), deployed.name("bench-bus")
    events.create_event_bus(Name=bus)
    emulators = {process.label: process.pid for process in runtime.started}
    ok = True
    rounds: list[Round] = []
    with _capture_queue(sqs, events, bus, deployed.name("bench-capture")) as queue_url:
        raw = _raw_put_events(events, bus, args.raw_events, emulators)
        _say(f"raw PutEvents: {raw.events:,} events in {raw.seconds:.1f} s = {raw.rate:,.0f} events/s")
        received: Counter[str] = Counter()
        _receive_until(sqs, queue_url, received, raw.events, deadline=time.perf_counter() + args.timeout)
        ok &= _exactly_once(sqs, queue_url, received, raw.events, label="raw")
        for relays in (1, 2):
            envelopes = _backlog_while_the_bus_refuses(dynamodb, table, args.entries, runtime, work_dir)
            received = Counter()
            result = _drain(
                relays, table, bus, runtime, work_dir, emulators, args.timeout, received, sqs, queue_url, len(envelopes)
            )
            _say(f"{result.label}: {result.events:,} events in {result.seconds:.1f} s = {result.rate:,.0f} events/s")
            rounds.append(result)
            ok &= _exactly_once(sqs, queue_url, received, len(envelopes), label=result.label)
            waiting = _backlog(dynamodb, table)
            if waiting:
                _say(f"{result.label}: {waiting:,} entries still in the outbox after every event arrived")
                ok = False
    events.delete_event_bus(Name=bus)
    print(_report(args, raw, rounds), flush=True)
    return ok


def _raw_put_events(events: Any, bus: str, count: int, emulators: dict[str, int]) -> Round:
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


def _backlog_while_the_bus_refuses(
    dynamodb: Any, table: str, count: int, runtime: LocalAws, work_dir: Path
) -> list[EventEnvelope[Any]]:
    """A relay runs against a bus that does not exist while the backlog is written: it keeps failing and
    backing off, and every entry stays in the outbox."""
    # EventBridge unreachable: every PutEvents fails. (LocalStack accepts PutEvents to a bus that does not
    # exist, so a wrong bus name would not do.)
    refusing = _start_relay(
        table, "bench-bus-unreachable", runtime, work_dir, "refused", events_endpoint=f"http://127.0.0.1:{free_port()}"
    )
    try:
        run_id = str(uuid.uuid4())
        envelopes = [payment_failed_event(run_id, customer_id="c-bench") for _ in range(count)]
        writer = DynamoDbOutbox(dynamodb, table)
        chunks = [envelopes[start : start + 25] for start in range(0, count, 25)]

        def write(chunk: list[EventEnvelope[Any]]) -> None:
            requests: dict[str, Any] = {
                table: [{"PutRequest": {"Item": writer.put_entry(e)["Put"]["Item"]}} for e in chunk]
            }
            while requests:
                requests = dynamodb.batch_write_item(RequestItems=requests).get("UnprocessedItems") or {}

        began = time.perf_counter()
        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(write, chunks))
        waiting = _backlog(dynamodb, table)
        _say(f"wrote {count:,} entries in {time.perf_counter() - began:.1f} s while the bus refused: {waiting:,} wait")
        if waiting != count:
            raise RuntimeError(f"{count - waiting} entries left the outbox although the bus refused every publish")
        return envelopes
    finally:
        stop_all([refusing])


def _drain(
    relays: int,
    table: str,
    bus: str,
    runtime: LocalAws,
    work_dir: Path,
    emulators: dict[str, int],
    timeout: float,
    received: Counter[str],
    sqs: Any,
    queue_url: str,
    expected: int,
) -> Round:
    """Start the relays and time until every event has reached the capture queue. Completion is read from the
    queue, not the table: on moto every query reads the whole table, so polling the backlog would make the
    benchmark's own reads what the emulator spends its CPU on."""
    label = f"{relays} relay process{'es' if relays > 1 else ''}"
    began = time.perf_counter()
    processes = [_start_relay(table, bus, runtime, work_dir, f"{relays}-{number}") for number in range(relays)]
    meter = CpuMeter(emulators | {f"relay-{number}": p.pid for number, p in enumerate(processes)})
    meter.start()
    try:
        _receive_until(sqs, queue_url, received, expected, deadline=began + timeout, alive=processes)
        seconds = time.perf_counter() - began
        return Round(label, expected, seconds, meter.stop())
    finally:
        stop_all(processes)


def _start_relay(
    table: str, bus: str, runtime: LocalAws, work_dir: Path, name: str, *, events_endpoint: str | None = None
) -> ManagedProcess:
    env = {
        **base_process_env(),
        **runtime.env,
        **({"AWS_ENDPOINT_URL_EVENTBRIDGE": events_endpoint} if events_endpoint else {}),
        "BENCH_OUTBOX_TABLE": table,
        "BENCH_EVENT_BUS": bus,
        "BENCH_CONCURRENT_SHARDS": str(RELAY_CONCURRENT_SHARDS),
    }
    command = [sys.executable, "-m", "shop_devtools.benchmarks.outbox_relay_process"]
    return ManagedProcess(f"relay-{name}", command, env=env, cwd=REPO_ROOT, log_file=work_dir / f"relay-{name}.log")


def _backlog(dynamodb: Any, table: str) -> int:
    total = 0
    for shard in range(OUTBOX_SHARDS):
        pages = dynamodb.get_paginator("query").paginate(
            TableName=table,
            IndexName=PENDING_INDEX,
            KeyConditionExpression="#shard = :shard",
            ExpressionAttributeNames={"#shard": "shard"},
            ExpressionAttributeValues={":shard": {"S": str(shard)}},
            Select="COUNT",
        )
        total += sum(int(page["Count"]) for page in pages)
    return total


@contextmanager
def _capture_queue(sqs: Any, events: Any, bus: str, name: str) -> Iterator[str]:
    """A rule sending every benchmark event of the bus to a fresh queue; both deleted afterwards."""
    url: str = sqs.create_queue(QueueName=name)["QueueUrl"]
    try:
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        pattern = {"source": ["shop.payment"], "detail": {"data": {"customer_id": ["c-bench"]}}}
        events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(pattern))
        try:
            events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "capture", "Arn": arn}])
            yield url
        finally:
            events.remove_targets(Rule=name, EventBusName=bus, Ids=["capture"])
            events.delete_rule(Name=name, EventBusName=bus)
    finally:
        sqs.delete_queue(QueueUrl=url)


def _receive_once(sqs: Any, queue_url: str, received: Counter[str]) -> int:
    response = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    messages = response.get("Messages", [])
    for message in messages:
        received[json.loads(message["Body"])["detail"]["metadata"]["event_id"]] += 1
    if messages:
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)],
        )
    return len(messages)


def _receive_until(
    sqs: Any,
    queue_url: str,
    received: Counter[str],
    expected: int,
    *,
    deadline: float,
    alive: list[ManagedProcess] | None = None,
) -> None:
    """Receive from several threads until `expected` distinct events arrived."""
    with ThreadPoolExecutor(THREADS) as pool:
        while len(received) < expected:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"only {len(received):,} of {expected:,} events arrived in time")
            if alive and not all(process.running() for process in alive):
                raise RuntimeError("a relay process died; see its log")
            list(pool.map(lambda _: _receive_once(sqs, queue_url, received), range(THREADS)))


def _exactly_once(sqs: Any, queue_url: str, received: Counter[str], expected: int, *, label: str) -> bool:
    """Listen until nothing more comes for a few seconds, then count duplicates and misses."""
    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < 5.0:
        if _receive_once(sqs, queue_url, received):
            quiet_since = time.monotonic()
    duplicates = sum(received.values()) - len(received)
    missing = max(0, expected - len(received))
    _say(f"{label}: {len(received):,} of {expected:,} events arrived, {duplicates} duplicate(s), {missing} missing")
    return missing == 0 and duplicates == 0 and len(received) == expected


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


def _say(message: str) -> None:
    print(f"bench-outbox | {message}", flush=True)
