"""Command line of the local runtime: `python -m shop_devtools up|start|stop|token|batch|provision|...`."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys

import boto3
from shop_shared.topology import load_topology

from . import tier_cost
from .batch import run_batch
from .benchmarks import outbox as outbox_bench
from .benchmarks import tier_run
from .detached import start_detached, stop_detached
from .emulators import aws_environment
from .provisioning import provision
from .rotation import rotate_local
from .runtime import configured_endpoints
from .services import SERVICES, SIMULATORS, configured_port
from .supervisor import LOCAL_PREFIX, run_system


def _soak(argv: list[str]) -> int:
    from .soak.cli import main as soak_main  # imported on use: the soak harness is large

    return soak_main(argv)


def _bench_blackfriday(argv: list[str]) -> int:
    from .benchmarks.blackfriday.cli import main as blackfriday_main  # imported on use: matplotlib is slow to load

    return blackfriday_main(argv)


def _bench_efficiency(argv: list[str]) -> int:
    from .benchmarks.efficiency.cli import main as efficiency_main

    return efficiency_main(argv)


def _token(argv: list[str]) -> int:
    from .dev_issuer.cli import main as token_main

    return token_main(argv)


def _process_control(argv: list[str]) -> int:
    from .control import main as control_main

    return control_main(argv)


# Commands that parse their own arguments.
SELF_PARSED = {
    "tier-cost": tier_cost.main,
    "bench-tiers": tier_run.main,
    "bench-outbox": outbox_bench.main,
    "bench-blackfriday": _bench_blackfriday,
    "bench-efficiency": _bench_efficiency,
    "soak": _soak,
    "process": _process_control,
    "token": _token,
}


def _exit_on_sigterm() -> None:
    """A SIGTERM (`timeout` in CI, `kill`) unwinds like Ctrl-C: every `finally` stops the processes it started.

    Without it Python dies on the spot and a soak's or a benchmark's emulators and services live on as orphans.
    `up` installs its own handlers over this one.
    """
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))


def main() -> int:
    _exit_on_sigterm()
    if len(sys.argv) > 1 and sys.argv[1] in SELF_PARSED:
        return SELF_PARSED[sys.argv[1]](sys.argv[2:])
    parser = argparse.ArgumentParser(prog="shop-dev", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("up", help="run everything in the foreground; Ctrl-C stops it")
    commands.add_parser("start", help="run everything in the background; returns when healthy")
    commands.add_parser("stop", help="stop what `start` started")
    batch = commands.add_parser("batch", help="run the monthly loyalty-tier state machine once")
    batch.add_argument("--as-of", help="the month to qualify for, YYYY-MM (default: the current month)")
    batch.add_argument("--chunk-size", type=int, help="customers per activity task")
    batch.add_argument("--timeout", type=float, default=600.0)
    provision_cmd = commands.add_parser("provision", help="apply the topology to the running emulators (idempotent)")
    provision_cmd.add_argument(
        "--aws-from-env",
        action="store_true",
        help="use the AWS_ENDPOINT_URL* variables and credentials already set (a container) instead of local ports",
    )
    provision_cmd.add_argument(
        "--service-url",
        action="append",
        default=[],
        type=_service_url,
        metavar="SERVICE=URL",
        help="base URL of a service for the API destinations (default http://127.0.0.1:<port>); repeatable",
    )
    commands.add_parser("token", help="print a token of the running dev issuer (--customer <id>; --help)")
    commands.add_parser("tier-cost", help="state transitions and cost of the tier run (--help for its options)")
    commands.add_parser("bench-tiers", help="tier run throughput over generated customers (--help for its options)")
    commands.add_parser("bench-outbox", help="outbox relay drain rate against raw PutEvents (--help for its options)")
    rotate = commands.add_parser(
        "rotate-payment-key", help="rotate the API key EventBridge sends to payment (the old one works 15 more minutes)"
    )
    rotate.add_argument(
        "--connection-only",
        action="store_true",
        help="only make the connection send the current key (finish a rotation)",
    )
    rotate.add_argument("--prefix", default=LOCAL_PREFIX, help=argparse.SUPPRESS)  # tests: another deployment
    args = parser.parse_args()

    if args.command == "up":
        return run_system()
    if args.command == "start":
        return start_detached()
    if args.command == "stop":
        return stop_detached()
    if args.command == "batch":
        request = {key: value for key, value in {"as_of": args.as_of, "chunk_size": args.chunk_size}.items() if value}
        return run_batch(request, timeout=args.timeout)
    if args.command == "rotate-payment-key":
        return rotate_local(connection_only=args.connection_only, prefix=args.prefix)
    return provision_running(aws_from_env=args.aws_from_env, service_urls=dict(args.service_url))


def provision_running(*, aws_from_env: bool = False, service_urls: dict[str, str] | None = None) -> int:
    if not aws_from_env:
        os.environ.update(aws_environment(configured_endpoints()))
    ports = {name: configured_port(spec) for name, spec in {**SERVICES, **SIMULATORS}.items()}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()} | (service_urls or {})
    _, report = provision(load_topology(), LOCAL_PREFIX, urls, session=boto3.Session())
    print(json.dumps({"created": report.created, "updated": report.updated, "unchanged": len(report.unchanged)}))
    return 0


def _service_url(value: str) -> tuple[str, str]:
    """`payment=http://payment:8001`: where a service is reached from the AWS side (compose: its service name)."""
    name, _, url = value.partition("=")
    if name not in {**SERVICES, **SIMULATORS} or not url.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError(f"expected SERVICE=http(s)://HOST:PORT with a known service, got {value!r}")
    return name, url


if __name__ == "__main__":
    sys.exit(main())
