"""The capacity and cost sheet's math: tasks, dollars, and which quota binds first."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from shop_devtools.benchmarks.efficiency.capacity import (
    CALLS_PER_ORDER,
    FARGATE_GB_HOUR_USD,
    FARGATE_VCPU_HOUR_USD,
    QUOTAS_PER_SECOND,
    QuotaLimit,
    TaskSize,
    format_sheet,
    parse_task_sizes,
    quota_limits,
    service_capacity,
)
from shop_devtools.paths import REPO_ROOT

HALF_VCPU = TaskSize(cpu_units=512, memory_mib=1024)


def test_a_task_costs_its_vcpus_and_its_memory() -> None:
    assert HALF_VCPU.vcpu == 0.5
    assert HALF_VCPU.memory_gb == 1.0
    assert HALF_VCPU.usd_per_hour == pytest.approx(0.5 * FARGATE_VCPU_HOUR_USD + 1.0 * FARGATE_GB_HOUR_USD)


def test_tasks_keep_each_one_at_the_target_utilisation() -> None:
    # 1,000 orders/s x 3 ms = 3 busy vCPUs; a 0.5 vCPU task at 60 % carries 0.3 vCPU: 10 tasks.
    sized = service_capacity("order", 3.0, HALF_VCPU, 1_000, target_utilisation=0.6)
    assert sized.tasks == 10
    assert sized.usd_per_hour == pytest.approx(10 * HALF_VCPU.usd_per_hour)


def test_a_fraction_of_a_task_rounds_up_and_the_minimum_holds() -> None:
    assert service_capacity("order", 3.1, HALF_VCPU, 1_000, target_utilisation=0.6).tasks == 11
    assert service_capacity("order", 0.01, HALF_VCPU, 100, min_tasks=2).tasks == 2


def test_a_target_utilisation_outside_0_to_1_is_refused() -> None:
    with pytest.raises(ValueError, match="utilisation"):
        service_capacity("order", 1.0, HALF_VCPU, 100, target_utilisation=1.5)


def test_a_quota_binds_at_its_limit_over_the_calls_per_order() -> None:
    assert QuotaLimit("kms", 50_000, 2).orders_per_second == 25_000
    assert math.isinf(QuotaLimit("unused", 100, 0).orders_per_second)


def test_quotas_come_first_binding_first_and_the_configured_destination_rate_counts() -> None:
    limits = quota_limits(configured_api_destination_rate=20)
    rates = [limit.orders_per_second for limit in limits]
    assert rates == sorted(rates)
    assert limits[0].quota == "API destination invocations (configured)"
    assert limits[0].orders_per_second == 20
    assert all(name in CALLS_PER_ORDER for name in QUOTAS_PER_SECOND)


def test_without_a_configured_rate_the_aws_maximum_of_the_api_destination_binds_first() -> None:
    assert quota_limits()[0].quota == "API destination invocations (AWS maximum)"


def test_task_sizes_are_read_from_the_terraform_services_variable() -> None:
    text = """
    default = {
        order         = { cpu = 512, memory = 1024, desired_count = 2, min_capacity = 2, max_capacity = 10 }
        loyalty       = { cpu = 256, memory = 512, desired_count = 1, min_capacity = 1, max_capacity = 8 }
    }
    """
    sizes = parse_task_sizes(text)
    assert sizes == {"order": (TaskSize(512, 1024), 2), "loyalty": (TaskSize(256, 512), 1)}
    with pytest.raises(ValueError, match="no"):
        parse_task_sizes("variable nothing {}")


def test_the_dev_environment_sizes_every_service() -> None:
    sizes = parse_task_sizes((REPO_ROOT / Path("infra/terraform/envs/dev/variables.tf")).read_text())
    assert {"order", "payment", "loyalty", "notifications"} <= set(sizes)


def test_the_sheet_names_the_binding_quota_and_totals_the_services() -> None:
    rows = [
        service_capacity(name, ms, HALF_VCPU, level, min_tasks=1)
        for name, ms in {"order": 3.0, "loyalty": 1.5}.items()
        for level in (100, 1_000)
    ]
    sheet = format_sheet(rows, quota_limits(20))
    assert "binds first: API destination invocations (configured) at 20 orders/s" in sheet
    total_line = next(line for line in sheet.splitlines() if line.startswith("total"))
    expected_tasks_at_1000 = rows[1].tasks + rows[3].tasks
    assert str(expected_tasks_at_1000) in total_line.split()
    assert "GenerateDataKey" in sheet
