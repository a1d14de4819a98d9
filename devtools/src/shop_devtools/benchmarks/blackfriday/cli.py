"""`make bench-blackfriday`: the synchronous baseline vs the event-driven system, measured side by side.

Starts its own LocalStack and moto, provisions the topology under a prefix of its own, starts the five services,
the dev OIDC issuer, the two simulators and the synchronous baseline (shop_devtools.sync_baseline) as real
processes, mints every load customer's token, then puts the same open-model load on both designs in four
conditions (healthy; loyalty partner 2 s slow; loyalty stopped; payment provider 2 s slow) and through a 5x spike.
Every request carries its customer's bearer token: order verifies it (its cost is in the event-driven figures);
the baseline, a fixture, is unauthenticated and ignores the header. Prints the tables, the ratio lines and every
process's CPU, and writes .local/bench/blackfriday.png and .local/bench/blackfriday.md. Figures are printed,
never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import aioboto3
import boto3
import httpx
from shop_shared.topology import load_topology

from shop_devtools.benchmarks.local_aws import own_local_aws
from shop_devtools.dev_issuer import DevIssuerClient
from shop_devtools.dev_issuer.tokens import MAX_LIFETIME_SECONDS
from shop_devtools.paths import LOCAL_DIR
from shop_devtools.provisioning import provision

from .chart import write_chart
from .conditions import CONDITIONS, DESIGNS, Bench, Condition, say
from .load import CUSTOMERS, Phase, order_customer
from .measure import EventDrivenProbe, LoadSettings, PhaseRun
from .report import RunInfo, conditions_table, cpu_lines, format_report, spike_lines
from .spike import spike_phases, spike_series
from .stats import ratio_lines, summarize
from .system import BASELINE, BenchSystem, create_baseline_table, plan_ports

__all__ = ["main", "parse_args"]

SERVICE_ORDER = ("order", "payment", "loyalty", "notifications", "batch-worker")
# The abuse limits are lifted (each still costs its DynamoDB write per order and message): 500 customers, each
# ordering and e-mailed every 25 s at the spike's 20 orders/s, would meet 10 messages per destination and hour
# within a run, and 10 orders a minute at a --rate above 16; every phase must do the same work per order.
LIMITS_LIFTED = {
    "order": {"ORDER_RATE_LIMIT_ORDERS": "1000"},
    "notifications": {"NOTIFICATIONS_DESTINATION_CAP_PER_HOUR": "1000"},
}
QUICK = {"phase_seconds": 8.0, "warmup_seconds": 2.0, "spike_before": 5.0, "spike_seconds": 10.0, "spike_after": 5.0}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench-blackfriday", description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--rate", type=float, default=4.0, help="steady arrivals per second (default 4; the spike is 5x this)")
    add("--phase-seconds", type=float, default=20.0, help="load per design and condition (default 20)")
    add("--warmup-seconds", type=float, default=5.0, help="unmeasured load on each design first (default 5)")
    add("--spike-before", type=float, default=15.0, help="steady seconds before the spike (default 15)")
    add("--spike-seconds", type=float, default=60.0, help="seconds at 5x (default 60)")
    add("--spike-after", type=float, default=20.0, help="steady seconds after the spike (default 20)")
    add("--spike-factor", type=float, default=5.0, help="the spike's multiple of --rate (default 5)")
    add("--no-spike", action="store_true", help="the four conditions only")
    add("--conditions", nargs="+", choices=[c.name for c in CONDITIONS], help="a subset (healthy is always run)")
    add("--arrivals", choices=["poisson", "even"], default="poisson", help="arrival process (default poisson)")
    add("--seed", type=int, default=1, help="seed of the Poisson arrivals")
    add("--baseline-slots", type=int, default=8, help="checkouts the baseline handles at once, 0: no limit (default 8)")
    add("--max-in-flight", type=int, default=500, help="safety cap of requests in flight; refused ones are counted")
    add("--request-timeout", type=float, default=30.0, help="client timeout of POST /orders (default 30 s)")
    add("--settle-timeout", type=float, default=90.0, help="how long the event-driven system may take to settle")
    add("--output", type=Path, default=LOCAL_DIR / "bench", help="where the chart and the report go")
    add("--quick", action="store_true", help="short phases and timeouts: a smoke run of a few minutes")
    add("--keep-logs", action="store_true", help="keep the process logs after a success")
    args = parser.parse_args(argv)
    if args.quick:
        for name, value in QUICK.items():
            setattr(args, name, value)
        args.settle_timeout = min(args.settle_timeout, 30.0)
        args.request_timeout = min(args.request_timeout, 10.0)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.perf_counter()
    with own_local_aws(
        "blackfriday-bench-",
        keep_logs=args.keep_logs,
        kept_message="logs of the emulators and processes kept in {work_dir}",
        before_start=lambda _: say("starting LocalStack and moto of this run..."),
    ) as local:
        system: BenchSystem | None = None
        try:
            session = boto3.Session()
            ports = plan_ports()
            urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
            # As deployed on AWS: without the local runtime's event log (it doubles LocalStack's CPU per event).
            deployed, _ = provision(
                load_topology(), f"bf-{uuid.uuid4().hex[:8]}-", urls, session=session, event_log=False
            )
            table = create_baseline_table(session.client("dynamodb"), deployed)
            system = BenchSystem(local.runtime, deployed, ports, local.work_dir)
            _start_processes(system, table, args.baseline_slots)
            runs, spike_runs = asyncio.run(_measure(args, system))
            _report(args, runs, spike_runs, time.perf_counter() - began)
            local.ok = True
        finally:
            if system is not None:
                system.stop_everything()
    say(f"total time {(time.perf_counter() - began) / 60:.1f} min")
    return 0 if local.ok else 1


def _start_processes(system: BenchSystem, table: str, slots: int) -> None:
    for name in ("dev-issuer", "payment-provider", "loyalty-partner", *SERVICE_ORDER):
        system.start(name, LIMITS_LIFTED.get(name, {}))
    baseline_env = {
        "SYNC_BASELINE_ORDERS_TABLE": table,
        "SYNC_BASELINE_CONTACT_KEY_ID": system.deployed.kms_alias("customer-contact"),
        "SYNC_BASELINE_SLOTS": str(slots),
    }
    system.start(BASELINE.name, baseline_env)
    say(f"{len(system.processes)} processes ready: {', '.join(system.processes)}")


async def _measure(args: argparse.Namespace, system: BenchSystem) -> tuple[list[PhaseRun], list[PhaseRun]]:
    session = aioboto3.Session()
    limits = httpx.Limits(max_connections=args.max_in_flight, max_keepalive_connections=args.max_in_flight)
    async with (
        session.client("sqs") as sqs,
        session.client("dynamodb") as dynamodb,
        httpx.AsyncClient(limits=limits) as client,
    ):
        deployed = system.deployed
        queue_urls = {
            key: (await sqs.get_queue_url(QueueName=deployed.name(key)))["QueueUrl"] for key in deployed.topology.queues
        }
        probe = EventDrivenProbe(sqs, dynamodb, queue_urls, deployed.name("orders"))
        settings = LoadSettings(args.max_in_flight, args.request_timeout, args.settle_timeout)
        tokens = _customer_tokens(system)
        bench = Bench(system, client, probe, settings, args.arrivals == "poisson", args.seed, tokens)
        say(f"warming up both designs for {args.warmup_seconds:g} s each...")
        await bench.warm_up(args.warmup_seconds, args.rate)
        runs: list[PhaseRun] = []
        for condition in _selected(args):
            say(f"condition {condition.name}: {condition.title}")
            bench.configure(condition)
            for design in DESIGNS:
                runs.append(await bench.run(design, condition, [Phase(args.phase_seconds, args.rate)]))
        spike_runs: list[PhaseRun] = []
        if not args.no_spike:
            spike = Condition("spike", "healthy simulators, steady load with a spike")
            bench.configure(spike)
            phases = spike_phases(args.rate, args.spike_before, args.spike_seconds, args.spike_after, args.spike_factor)
            say(
                f"spike: {args.rate:g}/s for {args.spike_before:g} s, {args.rate * args.spike_factor:g}/s for "
                f"{args.spike_seconds:g} s, {args.rate:g}/s for {args.spike_after:g} s, on each design"
            )
            for design in DESIGNS:
                spike_runs.append(await bench.run(design, spike, phases))
        return runs, spike_runs


def _customer_tokens(system: BenchSystem) -> dict[str, str]:
    """Every load customer's token (its default e-mail is the order's contact), valid for the whole run."""
    with DevIssuerClient(system.url("dev-issuer")) as issuer:
        customers = (order_customer(number) for number in range(CUSTOMERS))
        return {customer: issuer.mint(customer, expires_in=MAX_LIFETIME_SECONDS) for customer in customers}


def _selected(args: argparse.Namespace) -> list[Condition]:
    wanted = set(args.conditions or [condition.name for condition in CONDITIONS]) | {"healthy"}
    return [condition for condition in CONDITIONS if condition.name in wanted]


def _report(args: argparse.Namespace, runs: list[PhaseRun], spike_runs: list[PhaseRun], seconds: float) -> None:
    window = (args.spike_before, args.spike_before + args.spike_seconds)
    series = [spike_series(run) for run in spike_runs]
    chart = args.output / "blackfriday.png"
    if series:
        write_chart(series, window, args.rate, chart)
    ratios = ratio_lines({(run.design, run.condition): summarize(run.load) for run in runs})
    info = RunInfo(
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        machine=_machine(),
        settings=(
            f"{args.rate:g} orders/s {args.arrivals} arrivals for {args.phase_seconds:g} s per design and condition "
            f"(warm-up {args.warmup_seconds:g} s); spike {args.spike_factor:g}x for {args.spike_seconds:g} s between "
            f"{args.spike_before:g} s and {args.spike_after:g} s steady; baseline slots "
            f"{args.baseline_slots or 'unbounded'}; "
            f"in-flight cap {args.max_in_flight}; client timeout {args.request_timeout:g} s; seed {args.seed}"
        ),
        total_seconds=seconds,
        chart=chart.name,
    )
    report = format_report(info, runs, ratios, spike_runs, series, window)
    (args.output / "blackfriday.md").parent.mkdir(parents=True, exist_ok=True)
    (args.output / "blackfriday.md").write_text(report, encoding="utf-8")
    print("", *conditions_table(runs), "", *(line.text() for line in ratios), sep="\n", flush=True)
    if spike_runs:
        print("", "spike:", *spike_lines(spike_runs, series, window), sep="\n", flush=True)
    print("", "CPU per phase (seconds, cores busy):", *cpu_lines([*runs, *spike_runs]), sep="\n", flush=True)
    say(f"wrote {args.output / 'blackfriday.md'}" + (f" and {chart}" if series else ""))


def _machine() -> str:
    load = ", load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()) if hasattr(os, "getloadavg") else ""
    return (
        f"{os.cpu_count()} cores {platform.machine()}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}{load} (shared with other work: noisy)"
    )
