"""`make bench-efficiency`: each part of the design beside the raw AWS calls it needs, measured in one run.

On emulators of its own (LocalStack and moto on free ports, so their CPU is visible), under a fresh prefix:
1. the order service's CPU per accepted order vs a bare FastAPI + aioboto3 handler making the same AWS calls (every
   request carries a bearer token: the service verifies it, the bare handler does not, so that cost is the design's);
2. order answered -> loyalty credited p50 vs raw EventBridge -> SQS delivery on the same bus, hop by hop;
3. one loyalty process's messages/s vs raw SQS receive + delete, same batch size and concurrency;
5. the CPU per order of every service in one run of the whole flow, and from it the capacity and cost sheet.
(4, the tier run vs its raw scan + write + publish, is in `make bench-tiers`.) Ratios are printed beside their
goals, never asserted; every figure has the CPU of each process beside it. Report: .local/bench/efficiency.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import boto3
from botocore.config import Config
from shop_shared.topology import load_topology

from shop_devtools.benchmarks.local_aws import own_local_aws
from shop_devtools.paths import LOCAL_DIR, REPO_ROOT
from shop_devtools.provisioning import provision
from shop_devtools.runtime import free_port
from shop_devtools.services import SERVICES, SIMULATORS

from .capacity import LOAD_LEVELS, format_sheet, parse_task_sizes, quota_limits, service_capacity
from .comparison import Comparison, format_comparisons
from .hop_latency import CAPTURE_CAVEAT, measure_hops
from .order_cpu import measure_order_cpu
from .sqs_drain import measure_loyalty_drain
from .stage import Stage, say
from .whole_flow import measure_whole_flow

__all__ = ["main", "parse_args"]

VARIABLES_TF = Path("infra/terraform/envs/dev/variables.tf")
PAYMENT_DESTINATION = "payment-events"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench-efficiency", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small counts: a smoke run of every part (~3 min)")
    parser.add_argument("--orders", type=int, default=None, help="orders per design in part 1 (default 400)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent HTTP clients in parts 1 and 5")
    parser.add_argument("--hop-orders", type=int, default=None, help="orders timed hop by hop (default 40)")
    parser.add_argument("--drain-messages", type=int, default=None, help="messages per drain (default 1000)")
    parser.add_argument("--flow-orders", type=int, default=None, help="orders of the whole-flow run (default 200)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds a drain or settle may take")
    parser.add_argument("--report", type=Path, default=LOCAL_DIR / "bench" / "efficiency.md")
    parser.add_argument("--keep-logs", action="store_true", help="keep the emulator and process logs")
    args = parser.parse_args(argv)
    defaults = (150, 12, 400, 80) if args.quick else (400, 40, 1000, 200)
    for name, default in zip(("orders", "hop_orders", "drain_messages", "flow_orders"), defaults, strict=True):
        if getattr(args, name) is None:
            setattr(args, name, default)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with own_local_aws(
        "efficiency-bench-",
        keep_logs=args.keep_logs,
        kept_message="logs kept in {work_dir}",
        before_start=lambda work_dir: say(f"starting LocalStack and moto of our own (logs in {work_dir})"),
    ) as local:
        stage: Stage | None = None
        try:
            session = boto3.Session()
            ports = {name: free_port() for name in [*SERVICES, *SIMULATORS]}
            urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
            # As deployed on AWS: without the local runtime's event log (it doubles LocalStack's CPU per event).
            deployed, _ = provision(
                load_topology(), f"eff-{uuid.uuid4().hex[:6]}-", urls, session=session, event_log=False
            )
            stage = Stage(local.runtime, deployed, ports, local.work_dir)
            stage.tokens()  # the dev issuer first: order, loyalty and notifications trust it from their start
            text = _run(args, stage, session)
            print(text, flush=True)
            _write_report(args.report, text)
            say(f"report written to {args.report}")
            local.ok = True
        finally:
            if stage is not None:
                stage.stop_everything()
    return 0 if local.ok else 1


def _run(args: argparse.Namespace, stage: Stage, session: boto3.Session) -> str:
    config = Config(max_pool_connections=16, retries={"mode": "standard", "max_attempts": 10})
    sqs, events = session.client("sqs", config=config), session.client("events", config=config)
    dynamodb = session.client("dynamodb", config=config)
    began = time.perf_counter()
    say(f"1/4 order CPU: {args.orders:,} orders to the order service, then to the bare handler")
    order_cpu, service_run, _ = measure_order_cpu(stage, orders=args.orders, concurrency=args.concurrency)
    stage.purge_queues(sqs)
    say(f"2/4 hops: {args.hop_orders} orders timed hop by hop, then {args.hop_orders} raw PutEvents")
    hops, hop_p50 = measure_hops(stage, sqs, events, dynamodb, orders=args.hop_orders)
    stage.purge_queues(sqs)
    say(f"3/4 loyalty drain: {args.drain_messages:,} messages by loyalty, then by raw receive+delete")
    drain = measure_loyalty_drain(stage, sqs, messages=args.drain_messages, timeout=args.timeout)
    stage.purge_queues(sqs)
    say(f"4/4 whole flow: {args.flow_orders:,} orders through every service, for the CPU per order of each")
    flow = measure_whole_flow(stage, sqs, orders=args.flow_orders, concurrency=args.concurrency, timeout=args.timeout)
    comparisons: list[Comparison] = [order_cpu, hops, drain]
    marginal = flow.cpu_ms_per_order(marginal=True)
    lines = [
        f"# make bench-efficiency, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"machine: {os.cpu_count()} cores, {platform.machine()}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; shared and noisy: compare the ratios of one run only",
        f"run took {time.perf_counter() - began:.0f} s",
        "",
        "## The design beside the raw calls it needs",
        format_comparisons(comparisons),
        "",
        "## Order accepted -> loyalty credited, p50 of each hop (ms from the previous stamp)",
        *(f"  {hop:<64}{value:>9.1f} ms" for hop, value in hop_p50.items()),
        f"  ({CAPTURE_CAVEAT})",
        "",
        "## CPU per order of each service, one run of the whole flow "
        f"({flow.load.accepted:,} orders, {flow.seconds:.1f} s)",
        f"  {'service':<16}{'all CPU ms/order':>18}{'idle CPU s/s':>14}{'marginal ms/order':>19}",
        *(
            f"  {name:<16}{ms:>18.2f}{flow.idle_cpu_per_second.get(name, 0.0):>14.3f}{marginal[name]:>19.2f}"
            for name, ms in flow.cpu_ms_per_order().items()
        ),
        f"  (part 1, order alone under load: {service_run.cpu_ms_per_order:.2f} CPU ms/order)",
        "  all processes, CPU s (cores busy): "
        + ", ".join(
            f"{name} {seconds:.1f} ({seconds / flow.seconds:.2f})"
            for name, seconds in sorted(flow.cpu_seconds.items(), key=lambda item: -item[1])
        ),
        "",
        "## Capacity and cost sheet",
        "(from the marginal CPU per order; the idle floor is what the minimum task count pays for)",
        _sheet(marginal, stage),
    ]
    return "\n".join(lines)


def _sheet(cpu_ms_per_order: dict[str, float], stage: Stage) -> str:
    sizes = parse_task_sizes((REPO_ROOT / VARIABLES_TF).read_text())
    rows = [
        service_capacity(name, ms, sizes[name][0], level, min_tasks=sizes[name][1])
        for name, ms in cpu_ms_per_order.items()
        for level in LOAD_LEVELS
    ]
    rate = stage.deployed.topology.api_destinations[PAYMENT_DESTINATION].invocation_rate_limit_per_second
    sizes_text = ", ".join(
        f"{name} {size.cpu_units} CPU units/{size.memory_mib} MiB" for name, (size, _) in sizes.items()
    )
    header = f"task sizes from {VARIABLES_TF} `services`: {sizes_text}"
    if not rows:
        return header + "\nno orders accepted in the whole-flow run: no sheet"
    return header + "\n" + format_sheet(rows, quota_limits(rate))


def _write_report(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = []
    for block in text.split("\n\n"):
        heading, _, rest = block.partition("\n")
        if heading.startswith("#"):
            body.append(heading + ("\n\n```\n" + rest + "\n```" if rest else ""))
        else:
            body.append("```\n" + block + "\n```")
    path.write_text("\n\n".join(body) + "\n")
