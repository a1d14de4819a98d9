"""The loyalty account aggregate: crediting points and requalifying the tier."""

from __future__ import annotations

from datetime import UTC, datetime

from shop_loyalty.domain import LoyaltyAccount

AT = datetime(2025, 3, 14, 12, tzinfo=UTC)


def test_credit_adds_points_to_the_balance_and_the_month() -> None:
    account = LoyaltyAccount(customer_id="c")
    assert account.credit("o1", 120, "2025-03", AT)
    assert account.credit("o2", 30, "2025-03", AT)
    assert account.credit("o3", 5, "2025-04", AT)
    assert account.points_balance == 155
    assert account.points_by_month == {"2025-03": 150, "2025-04": 5}
    assert [credit.order_id for credit in account.recent_credits] == ["o3", "o2", "o1"]


def test_credit_of_a_recent_order_changes_nothing() -> None:
    account = LoyaltyAccount(customer_id="c")
    account.credit("o1", 120, "2025-03", AT)
    before = account.model_copy(deep=True)
    assert not account.credit("o1", 120, "2025-03", AT)
    assert account == before


def test_only_the_last_ten_credits_are_kept() -> None:
    account = LoyaltyAccount(customer_id="c")
    for number in range(15):
        account.credit(f"o{number}", 1, "2025-03", AT)
    assert [credit.order_id for credit in account.recent_credits] == [f"o{n}" for n in range(14, 4, -1)]
    assert account.points_balance == 15


def test_only_the_last_24_months_are_kept() -> None:
    account = LoyaltyAccount(customer_id="c", points_by_month={"2023-03": 7, "2023-04": 8})
    account.credit("o1", 1, "2025-03", AT)
    # 2023-04 .. 2025-03 is 24 months; 2023-03 goes, the balance keeps its points.
    assert account.points_by_month == {"2023-04": 8, "2025-03": 1}


def test_requalify_upgrades_and_records_the_change() -> None:
    account = LoyaltyAccount(customer_id="c", points_by_month={"2025-02": 600, "2025-03": 400})
    change = account.requalify("2025-03")
    assert change is not None
    assert (change.previous_tier, change.new_tier, change.qualifying_points, change.as_of) == (
        "BRONZE",
        "SILVER",
        1000,
        "2025-03",
    )
    assert change.is_upgrade
    assert (account.tier, account.previous_tier, account.tier_as_of) == ("SILVER", "BRONZE", "2025-03")


def test_requalify_without_a_change_returns_none() -> None:
    account = LoyaltyAccount(customer_id="c", points_by_month={"2025-03": 999})
    assert account.requalify("2025-03") is None
    assert (account.tier, account.previous_tier, account.tier_as_of) == ("BRONZE", None, "2025-03")


def test_requalify_again_for_the_same_month_reports_the_same_change_and_changes_nothing() -> None:
    account = LoyaltyAccount(customer_id="c", points_by_month={"2025-03": 5000})
    first = account.requalify("2025-03")
    after_first = account.model_copy(deep=True)
    second = account.requalify("2025-03")
    assert first is not None and first == second
    assert account == after_first


def test_requalify_rerun_of_an_unchanged_month_does_not_report_an_older_change() -> None:
    account = LoyaltyAccount(customer_id="c", points_by_month={"2025-02": 1500})
    assert account.requalify("2025-02") is not None
    assert account.requalify("2025-03") is None
    assert account.requalify("2025-03") is None
    assert account.tier == "SILVER"


def test_requalify_downgrades_when_points_leave_the_window() -> None:
    account = LoyaltyAccount(customer_id="c", tier="GOLD", points_by_month={"2024-03": 6000, "2025-01": 1200})
    change = account.requalify("2025-03")
    assert change is not None
    assert (change.previous_tier, change.new_tier, change.is_upgrade) == ("GOLD", "SILVER", False)


def test_reverse_takes_back_the_credit_from_balance_and_its_month() -> None:
    account = LoyaltyAccount(customer_id="c")
    account.credit("o1", 120, "2025-03", AT)
    account.credit("o2", 30, "2025-04", AT)
    assert account.reverse("o1", 120, "2025-03", AT)
    assert account.points_balance == 30
    assert account.points_by_month == {"2025-03": 0, "2025-04": 30}
    assert [(r.order_id, r.points, r.month) for r in account.recent_reversals] == [("o1", 120, "2025-03")]


def test_reverse_twice_changes_nothing_and_a_reversed_order_is_not_credited_again() -> None:
    account = LoyaltyAccount(customer_id="c")
    account.credit("o1", 120, "2025-03", AT)
    account.reverse("o1", 120, "2025-03", AT)
    before = account.model_copy(deep=True)
    assert not account.reverse("o1", 120, "2025-03", AT)
    account.recent_credits = []  # even once the credit is no longer among the recent ones
    assert not account.credit("o1", 120, "2025-03", AT)
    assert account.points_balance == before.points_balance == 0


def test_reverse_of_spent_points_leaves_a_debt_that_the_next_credit_repays() -> None:
    # Points spent elsewhere are modelled by a lower balance: the reversal still takes back everything.
    account = LoyaltyAccount(customer_id="c", points_balance=20, points_by_month={"2025-03": 100})
    assert account.reverse("o1", 100, "2025-03", AT)
    assert account.points_balance == -80
    assert account.points_by_month == {"2025-03": 0}
    account.credit("o2", 100, "2025-04", AT)
    assert account.points_balance == 20


def test_reverse_of_a_forgotten_month_only_touches_the_balance() -> None:
    account = LoyaltyAccount(customer_id="c", points_balance=50, points_by_month={"2025-03": 50})
    assert account.reverse("o-old", 10, "2022-01", AT)
    assert (account.points_balance, account.points_by_month) == (40, {"2025-03": 50})
