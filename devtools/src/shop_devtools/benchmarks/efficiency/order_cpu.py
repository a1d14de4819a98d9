"""Part 1: the order service's CPU per accepted order against the bare FastAPI + aioboto3 handler.

Both run as real processes on the same tables, bus and key; both get the same orders over HTTP from the same
number of concurrent clients, each with its customer's bearer token; the server process's CPU (from /proc) over the
accepted orders is the figure. The order service verifies every token (RS256 against the dev issuer's JWKS) and
the bare handler stays bare, so that verification is part of the design's CPU per order.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from shop_devtools.benchmarks.cpu import CpuMeter
from shop_devtools.processes import ManagedProcess

from .comparison import Comparison
from .http_load import LoadResult, order_customers, post_orders
from .stage import BARE_ORDER, Stage, say

__all__ = ["OrderRun", "measure_order_cpu"]

GOAL = 1.3
WARM_UP_ORDERS = 20


@dataclass(frozen=True)
class OrderRun:
    label: str
    load: LoadResult
    cpu_seconds: dict[str, float]
    server_label: str

    @property
    def cpu_ms_per_order(self) -> float:
        server = self.cpu_seconds.get(self.server_label, 0.0)
        return server * 1000 / self.load.accepted if self.load.accepted else float("nan")


def _drive(stage: Stage, process: ManagedProcess, label: str, orders: int, concurrency: int) -> OrderRun:
    url, tokens = stage.url("order"), stage.tokens()
    asyncio.run(
        post_orders(url, WARM_UP_ORDERS, concurrency=concurrency, customer_prefix=f"warm-{label}", tokens=tokens)
    )
    tokens.prepare(order_customers(f"cpu-{label}", orders))  # minted before the meter starts
    meter = CpuMeter(stage.emulator_pids() | {label: process.pid})
    meter.start()
    load = asyncio.run(post_orders(url, orders, concurrency=concurrency, customer_prefix=f"cpu-{label}", tokens=tokens))
    cpu = meter.stop()
    errors = ", ".join(f"{name} x{count}" for name, count in load.errors.items()) or "none"
    say(f"{label}: {load.accepted:,} of {orders:,} orders accepted in {load.seconds:.1f} s, errors: {errors}")
    return OrderRun(label, load, cpu, label)


def _rate(run: OrderRun) -> str:
    return f"{run.load.accepted / run.load.seconds:,.0f} orders/s" if run.load.seconds else "n/a"


def measure_order_cpu(stage: Stage, *, orders: int, concurrency: int) -> tuple[Comparison, OrderRun, OrderRun]:
    """The order service first, then the bare handler on the same port, each alone with the emulators."""
    service = stage.start("order")
    try:
        design = _drive(stage, service, "order", orders, concurrency)
    finally:
        stage.stop(service)
    bare = stage.start("order", as_spec=BARE_ORDER)
    try:
        raw = _drive(stage, bare, "bare-order", orders, concurrency)
    finally:
        stage.stop(bare)
    cpu = {f"{name} (service run)": seconds for name, seconds in design.cpu_seconds.items()}
    cpu |= {f"{name} (bare run)": seconds for name, seconds in raw.cpu_seconds.items()}
    comparison = Comparison(
        name="order CPU ms per accepted order",
        unit="CPU ms per order, server process only",
        measured=design.cpu_ms_per_order,
        baseline=raw.cpu_ms_per_order,
        goal=GOAL,
        goal_kind="at_most",
        cpu_seconds=cpu,
        wall_seconds=design.load.seconds + raw.load.seconds,
        note=f"{orders:,} orders, {concurrency} concurrent clients; service {_rate(design)}, bare {_rate(raw)}",
    )
    return comparison, design, raw
