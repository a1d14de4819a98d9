"""`make soak ORDERS=10000`: orders at a steady rate while faults are injected on a schedule, then every
invariant checked against every source of truth. Exit 1 on any failed invariant.

Everything is the soak's own: LocalStack and moto on free ports, the topology under a prefix of its own, every
service and the stand-ins (its dev OIDC issuer too) as real processes, an EventBridge fault proxy for the
services. Nothing of `make start` is touched. The parts: schedule (what and when), system (processes, restarts),
proxy (the bus outage), capture (events seen on the bus, replays), load (the client and the faults), settle,
sources and invariants (the checker), report.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from typing import TYPE_CHECKING

import boto3
import httpx
from botocore.config import Config

from shop_devtools.benchmarks.cpu import CpuMeter
from shop_devtools.benchmarks.local_aws import own_local_aws
from shop_devtools.dev_issuer import DevIssuerClient
from shop_devtools.dev_issuer.tokens import MAX_LIFETIME_SECONDS
from shop_devtools.paths import LOCAL_DIR

from . import sources
from .capture import EventCapture
from .invariants import EventRow, Evidence, check_all
from .load import FaultRunner, Placed, Replayer, run_load
from .report import format_report
from .schedule import PlannedOrder, fault_schedule, plan_orders
from .settle import Settled, settle
from .system import SoakSystem

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient

__all__ = ["main"]


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=_positive, default=10_000, help="orders to place (default 10000)")
    parser.add_argument("--rate", type=float, default=5.0, help="orders per second, steady (default 5)")
    parser.add_argument("--seed", type=int, default=1, help="the same seed places the same orders")
    parser.add_argument(
        "--settle-timeout", type=float, default=7200.0, help="seconds to wait in all for everything to settle"
    )
    parser.add_argument(
        "--settle-stall",
        type=float,
        default=300.0,
        help="give up settling when the work left (pending orders, queued messages, outbox entries) has not "
        "shrunk for this many seconds",
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs after a passing run")
    return parser.parse_args(argv)


def _positive(text: str) -> int:
    value = int(text)
    if value < 10:
        raise argparse.ArgumentTypeError("at least 10 orders (faults fire at shares of the orders)")
    return value


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    (LOCAL_DIR / "soak").mkdir(parents=True, exist_ok=True)
    # Emulators of the soak's own on free ports (never `make start`'s: the soak kills things).
    with own_local_aws(
        "run-",
        parent=LOCAL_DIR / "soak",
        keep_logs=args.keep_logs,
        kept_message="soak: logs kept in {work_dir}",
        before_start=lambda work_dir: _say(f"{args.orders:,} orders at {args.rate:g}/s; logs in {work_dir}"),
    ) as local:
        system = SoakSystem.start(local.work_dir, local.runtime)
        try:
            local.ok = _soak(args, system)
        finally:
            system.stop()
    return 0 if local.ok else 1


def _soak(args: argparse.Namespace, system: SoakSystem) -> bool:
    config = Config(retries={"mode": "standard", "max_attempts": 10}, max_pool_connections=20)
    session = boto3.Session()
    dynamodb, sqs = session.client("dynamodb", config=config), session.client("sqs", config=config)
    events = session.client("events", config=config)
    _say(f"every process healthy under {system.deployed.prefix}: {', '.join(system.slots)}")
    capture = EventCapture(sqs, events, system.deployed.bus_name, system.deployed.name("soak-capture"))
    plan = plan_orders(args.orders, seed=args.seed, run_id=uuid.uuid4().hex[:6])
    tokens = _customer_tokens(system, plan)
    meter = CpuMeter({process.label: process.pid for process in system.runtime.started})
    meter.start()
    began = time.monotonic()
    runner = FaultRunner(system, began, _say)
    try:
        replayer = Replayer(capture)
        placed = asyncio.run(run_load(plan, args.rate, system.url["order"], fault_schedule(), runner, replayer, tokens))
        load_seconds = time.monotonic() - began
        _say(f"load done in {load_seconds:.1f} s; waiting for the last faults, then for everything to settle")
        runner.finish(timeout=600)
        settled = settle(
            system, dynamodb, sqs, capture, replayer, args.settle_timeout, _say, stall_seconds=args.settle_stall
        )
        cpu = meter.stop() | system.cpu_seconds()
        wall_seconds = time.monotonic() - began
        checks = check_all(_evidence(system, dynamodb, sqs, capture, placed, runner, settled, tokens))
        with httpx.Client(timeout=30) as client:
            stats = client.get(f"{system.url['payment-provider']}/sim/stats").json()
        report = format_report(
            placed=placed,
            rate=args.rate,
            load_seconds=load_seconds,
            wall_seconds=wall_seconds,
            timeline=runner.timeline,
            replayed=replayer.replayed,
            settled=settled,
            provider_stats=stats,
            cpu_seconds=cpu,
            checks=checks,
        )
        print(report, flush=True)
        return settled.ok and all(check.ok for check in checks)
    finally:
        runner.finish(timeout=300)  # no restart may start a process after the system is stopped
        capture.close()


def _evidence(
    system: SoakSystem,
    dynamodb: DynamoDBClient,
    sqs: SQSClient,
    capture: EventCapture,
    placed: list[Placed],
    runner: FaultRunner,
    settled: Settled,
    tokens: dict[str, str],
) -> Evidence:
    accepted = {p.order_id: p.planned.customer_id for p in placed if p.order_id}
    customers = {customer: tokens[customer] for customer in sorted({p.planned.customer_id for p in placed})}
    interrupted = any(d.process == "notifications" for d in system.downtimes)
    with httpx.Client(timeout=30) as client:
        return Evidence(
            placed=accepted,
            client_errors=[f"order {p.planned.index}: {p.error}" for p in placed if p.error],
            duplicate_mismatches=[
                f"order {p.planned.index}: the re-POST got another answer"
                for p in placed
                if p.duplicate_same_order is False
            ],
            duplicates_sent=sum(p.duplicate_same_order is not None for p in placed),
            orders=sources.orders(dynamodb, system.deployed),
            charges=sources.charges(client, system.url["payment-provider"]),
            payment_statuses=sources.payments_by_order(dynamodb, system.deployed),
            loyalty_points=sources.loyalty_points(client, system.url["loyalty"], customers),
            partner_points=sources.partner_points(client, system.url["loyalty-partner"], list(customers)),
            bus_events=[EventRow(e.event_id, e.event_type, e.order_id) for e in capture.events()],
            notifications=sources.notifications(client, system.url["notifications"], customers),
            contacts={p.planned.customer_id: next(iter(p.planned.contact.values())) for p in placed},
            sent=sources.sent_messages(
                client, system.runtime.endpoints.localstack_url, system.runtime.env["AWS_DEFAULT_REGION"]
            ),
            dlq=sources.dlq_messages(sqs, system.deployed),
            outbox=sources.outbox_events(dynamodb, system.deployed),
            notifications_interrupted=interrupted,
            fault_failures=runner.failures + ([] if settled.ok else [f"not settled: {settled.last_state}"]),
            unexplained_redeliveries=settled.unexplained,
        )


def _customer_tokens(system: SoakSystem, plan: list[PlannedOrder]) -> dict[str, str]:
    """Each customer's token from the soak's dev issuer, the customer's contact a verified claim, valid for the
    whole run (the load, the retries, the settling and the reads); minted before the clock starts."""
    contacts = {order.customer_id: order.contact for order in plan}
    with DevIssuerClient(system.url["dev-issuer"]) as issuer:
        return {
            customer: issuer.mint_for_contact(customer, contact, expires_in=MAX_LIFETIME_SECONDS)
            for customer, contact in contacts.items()
        }


def _say(message: str) -> None:
    print(f"soak | {message}", flush=True)
