"""The capacity and cost sheet: Fargate tasks and $ per hour per service, and which AWS quota binds first.

Pure functions of the measured CPU per order and of the assumptions below, each a named constant so a reader
can check or change it. Prices and quotas are AWS's published defaults as assumed on PRICES_AS_OF; verify them
for your region and account before trusting a figure.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

__all__ = [
    "CALLS_PER_ORDER",
    "FARGATE_GB_HOUR_USD",
    "FARGATE_VCPU_HOUR_USD",
    "LOAD_LEVELS",
    "PRICES_AS_OF",
    "PRICE_REGION",
    "QUOTAS_PER_SECOND",
    "TARGET_CPU_UTILISATION",
    "QuotaLimit",
    "ServiceCapacity",
    "TaskSize",
    "binding_order",
    "format_sheet",
    "parse_task_sizes",
    "quota_limits",
    "service_capacity",
]

PRICE_REGION = "us-east-1"
PRICES_AS_OF = "2026-12-06 (assumed list prices, Linux/x86, on-demand; not fetched)"
FARGATE_VCPU_HOUR_USD = 0.04048
FARGATE_GB_HOUR_USD = 0.004445
# Scale out before a task is saturated: the ECS target-tracking policy aims at this CPU share.
TARGET_CPU_UTILISATION = 0.6
LOAD_LEVELS = (100, 1_000, 10_000)  # orders per second
KMS_SMALL_REGION_QUOTA = 5_500  # symmetric requests/s in most regions outside the three large ones

# Default quotas per second in us-east-1 (soft limits unless said otherwise), and what one order costs of each.
QUOTAS_PER_SECOND: dict[str, float] = {
    "EventBridge PutEvents requests": 10_000,  # us-east-1, us-west-2, eu-west-1; lower in other regions
    "EventBridge target invocations": 18_750,  # us-east-1; lower in other regions
    "API destination invocations (AWS maximum)": 300,  # per destination; the topology sets its own, lower, limit
    "KMS symmetric requests (Encrypt+Decrypt)": 50_000,  # us-east-1, us-west-2, eu-west-1; 5,500/10,000 elsewhere
    "DynamoDB orders table writes (table quota)": 40_000,  # write request units per table, on-demand
    "DynamoDB orders table writes (new on-demand table)": 4_000,  # warm throughput of a new table, grows with use
}
# Calls per accepted and paid order, from topology.yaml and the services' code (happy path).
CALLS_PER_ORDER: dict[str, float] = {
    # order publishes order.created, payment publishes payment.succeeded.
    "EventBridge PutEvents requests": 2,
    # order.created -> payment (API destination), loyalty queue, notifications queue; payment.succeeded -> order.
    "EventBridge target invocations": 4,
    "API destination invocations (AWS maximum)": 1,
    "API destination invocations (configured)": 1,
    # order encrypts the contact; notifications decrypts it for the order.created message.
    "KMS symmetric requests (Encrypt+Decrypt)": 2,
    # The order's put is in a transaction (2 units for an item up to 1 KB), the status update is 1.
    "DynamoDB orders table writes (table quota)": 3,
    "DynamoDB orders table writes (new on-demand table)": 3,
}


@dataclass(frozen=True)
class TaskSize:
    cpu_units: int  # ECS CPU units: 1024 = 1 vCPU
    memory_mib: int

    @property
    def vcpu(self) -> float:
        return self.cpu_units / 1024

    @property
    def memory_gb(self) -> float:
        return self.memory_mib / 1024

    @property
    def usd_per_hour(self) -> float:
        return self.vcpu * FARGATE_VCPU_HOUR_USD + self.memory_gb * FARGATE_GB_HOUR_USD


_SERVICE_LINE = re.compile(
    r"^\s*(?P<name>[a-z-]+)\s*=\s*\{\s*cpu\s*=\s*(?P<cpu>\d+)\s*,\s*memory\s*=\s*(?P<memory>\d+)"
    r".*?min_capacity\s*=\s*(?P<min>\d+)",
    re.MULTILINE,
)


def parse_task_sizes(variables_tf: str) -> dict[str, tuple[TaskSize, int]]:
    """service -> (task size, min_capacity) from the `services` default of infra/terraform/envs/<env>/variables.tf."""
    found = {
        match["name"]: (TaskSize(int(match["cpu"]), int(match["memory"])), int(match["min"]))
        for match in _SERVICE_LINE.finditer(variables_tf)
    }
    if not found:
        raise ValueError("no `<service> = { cpu = .., memory = .., ... min_capacity = .. }` lines found")
    return found


@dataclass(frozen=True)
class ServiceCapacity:
    service: str
    orders_per_second: int
    cpu_ms_per_order: float
    task: TaskSize
    tasks: int
    usd_per_hour: float


def service_capacity(
    service: str,
    cpu_ms_per_order: float,
    task: TaskSize,
    orders_per_second: int,
    *,
    min_tasks: int = 1,
    target_utilisation: float = TARGET_CPU_UTILISATION,
) -> ServiceCapacity:
    """Tasks needed so that each runs at `target_utilisation` of its vCPUs at this order rate; never below min."""
    if not 0 < target_utilisation <= 1:
        raise ValueError("target utilisation is a share of a task's CPU, in (0, 1]")
    busy_vcpus = orders_per_second * cpu_ms_per_order / 1000
    tasks = max(min_tasks, math.ceil(busy_vcpus / (task.vcpu * target_utilisation) - 1e-9))
    return ServiceCapacity(service, orders_per_second, cpu_ms_per_order, task, tasks, tasks * task.usd_per_hour)


@dataclass(frozen=True)
class QuotaLimit:
    quota: str
    per_second: float
    calls_per_order: float

    @property
    def orders_per_second(self) -> float:
        """The order rate at which this quota is used up."""
        return self.per_second / self.calls_per_order if self.calls_per_order else math.inf


def quota_limits(configured_api_destination_rate: float | None = None) -> list[QuotaLimit]:
    """Every quota with the order rate at which it binds, first-binding first."""
    quotas = dict(QUOTAS_PER_SECOND)
    if configured_api_destination_rate is not None:
        quotas["API destination invocations (configured)"] = configured_api_destination_rate
    limits = [QuotaLimit(name, per_second, CALLS_PER_ORDER[name]) for name, per_second in quotas.items()]
    return binding_order(limits)


def binding_order(limits: list[QuotaLimit]) -> list[QuotaLimit]:
    return sorted(limits, key=lambda limit: limit.orders_per_second)


def format_sheet(rows: list[ServiceCapacity], limits: list[QuotaLimit]) -> str:
    levels = sorted({row.orders_per_second for row in rows})
    lines = [
        f"Fargate ({PRICE_REGION}, ${FARGATE_VCPU_HOUR_USD}/vCPU-h, ${FARGATE_GB_HOUR_USD}/GB-h, {PRICES_AS_OF}); "
        f"tasks sized to run at {TARGET_CPU_UTILISATION:.0%} CPU",
        f"{'service':<14}{'task':>17}{'CPU ms/order':>14}"
        + "".join(f"{f'{level:,}/s tasks':>15}{'$/h':>10}" for level in levels),
    ]
    for service in dict.fromkeys(row.service for row in rows):
        own = {row.orders_per_second: row for row in rows if row.service == service}
        first = own[levels[0]]
        size = f"{first.task.vcpu:g} vCPU/{first.task.memory_gb:g} GB"
        cells = "".join(f"{own[level].tasks:>15,}{own[level].usd_per_hour:>10,.2f}" for level in levels)
        lines.append(f"{service:<14}{size:>17}{first.cpu_ms_per_order:>14.2f}{cells}")
    totals = "".join(
        f"{sum(r.tasks for r in rows if r.orders_per_second == level):>15,}"
        f"{sum(r.usd_per_hour for r in rows if r.orders_per_second == level):>10,.2f}"
        for level in levels
    )
    lines.append(f"{'total':<14}{'':>17}{'':>14}{totals}")
    lines.append("AWS quotas (defaults assumed, per second) and the order rate at which each binds, first first:")
    lines.append(f"  {'quota':<52}{'limit/s':>10}{'per order':>11}{'binds at orders/s':>19}")
    for limit in limits:
        binds = "never" if math.isinf(limit.orders_per_second) else f"{limit.orders_per_second:,.0f}"
        per_order = f"{limit.calls_per_order:g}"
        lines.append(f"  {limit.quota:<52}{limit.per_second:>10,.0f}{per_order:>11}{binds:>19}")
    lines.append(f"binds first: {limits[0].quota} at {limits[0].orders_per_second:,.0f} orders/s")
    kms = next(limit for limit in limits if limit.quota.startswith("KMS"))
    elsewhere = KMS_SMALL_REGION_QUOTA / kms.calls_per_order
    kms_binds = any(kms.orders_per_second < level for level in levels)
    lines.append(
        f"KMS {'binds' if kms_binds else 'does not bind'} here ({kms.orders_per_second:,.0f} orders/s); "
        f"in a region with the {KMS_SMALL_REGION_QUOTA:,}/s quota it binds at {elsewhere:,.0f} orders/s. "
        "The fix: cache data keys (AWS Encryption SDK caching materials manager: one GenerateDataKey per "
        "many contacts instead of one Encrypt each, notifications likewise per decrypted data key) "
        "or ask for a quota raise"
    )
    return "\n".join(lines)
