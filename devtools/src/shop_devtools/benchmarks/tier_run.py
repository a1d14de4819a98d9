"""`make bench-tiers`: the monthly loyalty-tier run over generated customers, through the local runtime.

Provisions the topology under a prefix of its own, loads the customers, runs the state machine with real
batch-worker processes and prints customers per second, the per-phase worker time and the checks. Speed is
printed, never asserted: the machine is shared, so compare the ratios of one run, not numbers across runs.
"""

from __future__ import annotations

import argparse
import re
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from shop_batch_worker.domain import RunSummary
from shop_loyalty.domain import month_of
from shop_loyalty.domain.rules import MONTH_PATTERN
from shop_shared.topology import DeployedTopology, load_topology

from shop_devtools.batch import STATE_MACHINE_KEY, execute
from shop_devtools.processes import ManagedProcess, stop_all
from shop_devtools.provisioning import provision
from shop_devtools.runtime import LocalAws, free_port
from shop_devtools.services import SERVICES, SIMULATORS, service_env, start_service, wait_until_ready

from .cpu import CpuMeter
from .efficiency.tier_raw import RawPass, format_raw_pass, raw_tier_pass
from .loading import LoadedCustomers, load_customers
from .local_aws import own_local_aws, remove_prefixed_resources, reuse_or_start
from .report import BenchmarkReport, format_report
from .verification import count_events, run_checks, sample_mismatches

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient

__all__ = ["main", "parse_args"]

LOAD_THREADS = 8
MAP_MAX_CONCURRENCY = 10  # the state machine's Map runs at most this many chunks at once


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench-tiers", description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=_positive, default=100_000, help="accounts to generate (default 100000)")
    parser.add_argument(
        "--chunk-size",
        type=_chunk_size,
        default=2000,
        help="customers per chunk (one scan segment and activity task each; default 2000): 50 chunks for "
        "100,000 customers keep the 10 Map slots busy to the end while the execution history stays short, "
        "and moto hashes keys into only 256 buckets, so many more segments would be uneven or empty",
    )
    parser.add_argument("--workers", type=_positive, default=1, help="batch-worker processes (default 1)")
    parser.add_argument(
        "--concurrent-tasks",
        type=_positive,
        default=4,
        help="chunks each worker runs at once, BATCH_MAX_CONCURRENT_TASKS (default 4); the Map runs at most 10",
    )
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait for the run (default 1800)")
    parser.add_argument("--seed", type=int, default=1, help="the same seed generates the same customers")
    parser.add_argument(
        "--as-of", type=_month, default=None, help="the month to qualify for, YYYY-MM (default: this month)"
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep the emulator and worker logs after a success")
    parser.add_argument(
        "--skip-raw", action="store_true", help="skip the raw scan + write + publish pass timed beside the run"
    )
    return parser.parse_args(argv)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive number")
    return value


def _chunk_size(text: str) -> int:
    value = _positive(text)
    if value > 10_000:
        raise argparse.ArgumentTypeError("a chunk holds at most 10000 customers (the run request's limit)")
    return value


def _month(text: str) -> str:
    if not re.fullmatch(MONTH_PATTERN, text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a month (YYYY-MM)")
    return text


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    as_of = args.as_of or month_of(datetime.now(UTC))
    prefix = f"bench-{uuid.uuid4().hex[:8]}-"
    with own_local_aws(
        "tier-bench-",
        keep_logs=args.keep_logs,
        kept_message="logs of the emulators and workers kept in {work_dir}",
        start=reuse_or_start,
    ) as local:
        runtime = local.runtime
        where = "reused the running runtime" if not runtime.started else "own emulators"
        _say(f"{where}: LocalStack {runtime.endpoints.localstack_url}, DynamoDB {runtime.endpoints.dynamodb_url}")
        workers: list[ManagedProcess] = []
        session = boto3.Session()
        ports = {name: free_port() for name in [*SERVICES, *SIMULATORS]}
        urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        began = time.perf_counter()
        # As deployed on AWS: without the local runtime's event log (it doubles LocalStack's CPU per event).
        deployed, _ = provision(load_topology(), prefix, urls, session=session, event_log=False)
        _say(f"provisioned the topology under {prefix} in {time.perf_counter() - began:.1f} s")
        try:
            dynamodb = session.client("dynamodb", config=Config(max_pool_connections=LOAD_THREADS + 2))
            _say(f"loading {args.customers:,} customers (seed {args.seed}, qualifying for {as_of})...")
            loaded = load_customers(
                dynamodb, deployed.name("loyalty-accounts"), args.customers, seed=args.seed, as_of=as_of
            )
            _say(f"loaded in {loaded.seconds:.1f} s ({loaded.count / loaded.seconds:,.0f} customers/s)")
            raw = None if args.skip_raw else _raw_pass(args, session, deployed, prefix, runtime, as_of)
            workers = _start_workers(args, runtime, deployed, ports, local.work_dir)
            _say(f"{len(workers)} worker(s) x {args.concurrent_tasks} tasks ready; running the state machine...")
            meter = CpuMeter(
                {process.label: process.pid for process in runtime.started}
                | {f"batch-worker-{number}": process.pid for number, process in enumerate(workers)}
            )
            meter.start()
            result = execute(
                session.client("stepfunctions"),
                deployed.name(STATE_MACHINE_KEY),
                {"chunk_size": args.chunk_size, "as_of": as_of},
                timeout=args.timeout,
            )
            cpu_seconds = meter.stop()
            stop_all(workers)
            workers = []
            local.ok = _report(
                args, where, loaded, result, cpu_seconds, dynamodb, session.client("sqs"), deployed, as_of
            )
            if raw is not None:
                # Only a complete run compares: a failed chunk's customers were never done.
                compared = format_raw_pass(raw, loaded.count, float(result["seconds"])) if local.ok else None
                print(compared or f"raw pass {raw.rate:,.0f} customers/s; no ratio: the run failed", flush=True)
        finally:
            stop_all(workers)
            if not runtime.started:
                remove_prefixed_resources(session.client("dynamodb"), session.client("sqs"), prefix)
    return 0 if local.ok else 1


def _raw_pass(
    args: argparse.Namespace,
    session: boto3.Session,
    deployed: DeployedTopology,
    prefix: str,
    runtime: LocalAws,
    as_of: str,
) -> RawPass | None:
    """The raw baseline over the same customers, before the run changes them (see efficiency/tier_raw.py)."""
    segments = -(-args.customers // args.chunk_size)
    at_once = min(MAP_MAX_CONCURRENCY, args.workers * args.concurrent_tasks)
    _say(f"raw pass: {segments} scan segments, {at_once} at once, into shadow tables and a bus of its own...")
    clients = (session.client("dynamodb"), session.client("events"), session.client("sqs"))
    emulators = {process.label: process.pid for process in runtime.started}
    try:
        raw = raw_tier_pass(
            clients,
            deployed.name("loyalty-accounts"),
            prefix,
            segments=segments,
            at_once=at_once,
            as_of=as_of,
            emulator_pids=emulators,
        )
    except Exception as error:  # the baseline is extra: its failure must not cost the run itself
        _say(f"raw pass failed: {type(error).__name__}: {error}")
        return None
    _say(f"raw pass: {raw.customers:,} customers in {raw.seconds:.1f} s ({raw.rate:,.0f} customers/s)")
    return raw


def _start_workers(
    args: argparse.Namespace, runtime: LocalAws, deployed: DeployedTopology, ports: dict[str, int], work_dir: Path
) -> list[ManagedProcess]:
    spec = SERVICES["batch-worker"]
    extra = {"BATCH_MAX_CONCURRENT_TASKS": str(args.concurrent_tasks)}
    started: list[ManagedProcess] = []
    try:
        for number in range(args.workers):
            port = free_port()
            env = service_env(spec, port, runtime.env, deployed, ports, extra)
            process = start_service(spec, env, log_file=work_dir / f"batch-worker-{number}.log")
            started.append(process)
            wait_until_ready(process, port)
    except BaseException:
        stop_all(started)
        raise
    return started


def _report(
    args: argparse.Namespace,
    where: str,
    loaded: LoadedCustomers,
    result: dict[str, Any],
    cpu_seconds: dict[str, float],
    dynamodb: DynamoDBClient,
    sqs: SQSClient,
    deployed: DeployedTopology,
    as_of: str,
) -> bool:
    if result["status"] != "SUCCEEDED" or "summary" not in result:
        details = {key: result.get(key) for key in ("execution", "status", "seconds", "error", "cause")}
        _say(f"the run did not succeed: {details}")
        return False
    summary = RunSummary.model_validate(result["summary"])
    accounts_table = deployed.name("loyalty-accounts")
    mismatches = sample_mismatches(dynamodb, accounts_table, loaded.sample, as_of)
    queue_url = sqs.get_queue_url(QueueName=deployed.name("notifications-events"))["QueueUrl"]
    events = count_events(sqs, queue_url, dynamodb, deployed.name("loyalty-outbox"))
    report = BenchmarkReport(
        setup=f"{loaded.count:,} customers, chunk size {args.chunk_size:,}, {args.workers} worker(s) x "
        f"{args.concurrent_tasks} concurrent tasks; {where}",
        customers_loaded=loaded.count,
        load_seconds=loaded.seconds,
        customers_processed=summary.customers_processed,
        chunks=summary.chunks,
        wall_seconds=float(result["seconds"]),
        upgrades=summary.upgrades,
        downgrades=summary.downgrades,
        tier_changes=summary.tier_changes,
        phase_seconds=summary.phase_seconds,
        checks=run_checks(summary, loaded, mismatches, events),
        cpu_seconds=cpu_seconds,
    )
    print(format_report(report), flush=True)
    return report.ok


def _say(message: str) -> None:
    print(f"bench-tiers | {message}", flush=True)
