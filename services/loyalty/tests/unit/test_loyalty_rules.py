"""The loyalty rules: points per order, the 12-month window and the tier thresholds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from shop_loyalty.domain import LoyaltyAccount, month_of, points_for_order, qualifying_points, shift_month, tier_for


@pytest.mark.parametrize(
    ("total", "points"),
    [("0.99", 0), ("1.00", 1), ("1.99", 1), ("12.50", 12), ("1200.00", 1200), ("999.999", 999), ("0", 0), ("-5", 0)],
)
def test_one_point_per_whole_currency_unit_rounded_down(total: str, points: int) -> None:
    assert points_for_order(Decimal(total)) == points


@given(st.decimals(min_value=0, max_value=10**9, places=2))
def test_points_never_exceed_the_total_and_miss_less_than_one_unit(total: Decimal) -> None:
    points = points_for_order(total)
    assert points <= total < points + 1


@pytest.mark.parametrize(
    ("month", "delta", "expected"),
    [("2025-03", -11, "2024-04"), ("2025-01", -1, "2024-12"), ("2024-12", 1, "2025-01"), ("2025-03", 0, "2025-03")],
)
def test_shift_month(month: str, delta: int, expected: str) -> None:
    assert shift_month(month, delta) == expected


def test_month_of_uses_utc() -> None:
    # 00:30 on 1 April in UTC+2 is still March in UTC.
    assert month_of(datetime(2025, 4, 1, 0, 30, tzinfo=timezone(timedelta(hours=2)))) == "2025-03"
    assert month_of(datetime(2025, 4, 1, tzinfo=UTC)) == "2025-04"


def _account(points_by_month: dict[str, int]) -> LoyaltyAccount:
    return LoyaltyAccount(customer_id="c", points_by_month=points_by_month)


def test_window_is_the_twelve_months_up_to_and_including_as_of() -> None:
    account = _account({"2024-03": 1, "2024-04": 10, "2024-12": 100, "2025-03": 1000, "2025-04": 10000})
    # 2024-04 .. 2025-03 count; 2024-03 is the 13th month back and 2025-04 is after as_of.
    assert qualifying_points(account, "2025-03") == 1110


def test_window_across_a_year_boundary() -> None:
    account = _account({"2024-01": 5, "2024-02": 7, "2025-01": 11})
    assert qualifying_points(account, "2024-12") == 12
    assert qualifying_points(account, "2025-01") == 18
    assert qualifying_points(account, "2025-02") == 11


@pytest.mark.parametrize(
    ("points", "tier"),
    [
        (0, "BRONZE"),
        (999, "BRONZE"),
        (1000, "SILVER"),
        (4999, "SILVER"),
        (5000, "GOLD"),
        (19999, "GOLD"),
        (20000, "PLATINUM"),
        (10**7, "PLATINUM"),
    ],
)
def test_tier_thresholds(points: int, tier: str) -> None:
    assert tier_for(points) == tier
