"""The pure pieces of the tier benchmark: generated customers, arguments, loading, sample checks, the report."""

from __future__ import annotations

import os
from typing import Any

import pytest
from shop_batch_worker.domain import RunSummary
from shop_devtools.benchmarks.cpu import process_cpu_seconds
from shop_devtools.benchmarks.customers import CHANGE_SHARE, TierOutlook, generate_accounts
from shop_devtools.benchmarks.loading import LoadedCustomers, load_customers
from shop_devtools.benchmarks.report import BenchmarkReport, Check, format_report, phase_shares
from shop_devtools.benchmarks.tier_run import parse_args
from shop_devtools.benchmarks.verification import EventTally, run_checks, sample_mismatches
from shop_loyalty.adapters.accounts import account_to_item
from shop_loyalty.domain import MONTHS_KEPT, LoyaltyAccount, qualifying_points, shift_month, tier_for
from shop_shared.aws import from_item

AS_OF = "2026-03"


def dumps(count: int, seed: int, as_of: str = AS_OF) -> list[dict[str, Any]]:
    return [generated.account.model_dump() for generated in generate_accounts(count, seed=seed, as_of=as_of)]


def test_the_same_seed_and_month_generate_the_same_customers() -> None:
    assert dumps(300, seed=4) == dumps(300, seed=4)
    assert dumps(300, seed=4) != dumps(300, seed=5)
    assert dumps(300, seed=4) != dumps(300, seed=4, as_of="2026-04")


def test_about_a_quarter_change_tier_both_ways_by_the_domain_rules() -> None:
    outlook = TierOutlook()
    for generated in generate_accounts(4000, seed=1, as_of=AS_OF):
        account = generated.account
        expected = outlook.add(account, AS_OF)
        # The aggregate's own requalification agrees with what the benchmark will expect.
        change = account.model_copy(deep=True).requalify(AS_OF)
        assert expected == (change.new_tier if change else account.tier)
    assert outlook.customers == 4000
    assert abs(outlook.change_share - CHANGE_SHARE) < 0.03
    assert outlook.upgrades > 500
    assert outlook.downgrades > 300
    assert set(outlook.by_new_tier) == {"BRONZE", "SILVER", "GOLD", "PLATINUM"}


def test_generated_accounts_look_qualified_last_month() -> None:
    last_month = shift_month(AS_OF, -1)
    oldest_kept = shift_month(AS_OF, -(MONTHS_KEPT - 1))
    for generated in generate_accounts(500, seed=2, as_of=AS_OF):
        account = generated.account
        assert account.tier_as_of == last_month
        assert account.tier == tier_for(qualifying_points(account, last_month))
        assert all(oldest_kept <= month <= AS_OF and points > 0 for month, points in account.points_by_month.items())
        assert account.points_balance == sum(account.points_by_month.values())
        credited = [credit.month for credit in account.recent_credits]
        assert credited == sorted(credited, reverse=True)
        assert LoyaltyAccount.model_validate(from_item(account_to_item(account, 1))).tier == account.tier


def test_arguments_have_the_documented_defaults() -> None:
    args = parse_args([])
    assert (args.customers, args.chunk_size, args.workers, args.concurrent_tasks) == (100_000, 2000, 1, 4)
    assert args.timeout == 1800.0
    assert args.as_of is None
    args = parse_args(["--customers", "5000", "--chunk-size", "500", "--workers", "2", "--as-of", "2026-02"])
    assert (args.customers, args.chunk_size, args.workers, args.as_of) == (5000, 500, 2, "2026-02")


@pytest.mark.parametrize(
    "argv",
    [["--customers", "0"], ["--chunk-size", "10001"], ["--workers", "-1"], ["--as-of", "2026-13"], ["--bogus"]],
)
def test_bad_arguments_are_refused(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args(argv)


class FakeDynamoDb:
    """batch_write_item that leaves the first batch's last item unprocessed once; get_item from a dict."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.batch_sizes: list[int] = []
        self._held_back = False

    def batch_write_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        (table, requests), *_ = RequestItems.items()
        self.batch_sizes.append(len(requests))
        if not self._held_back:
            self._held_back = True
            *requests, unprocessed = requests
            self._store(requests)
            return {"UnprocessedItems": {table: [unprocessed]}}
        self._store(requests)
        return {"UnprocessedItems": {}}

    def _store(self, requests: list[dict[str, Any]]) -> None:
        for request in requests:
            item = request["PutRequest"]["Item"]
            self.items[item["customer_id"]["S"]] = item

    def get_item(self, TableName: str, Key: dict[str, Any], ConsistentRead: bool) -> dict[str, Any]:
        item = self.items.get(Key["customer_id"]["S"])
        return {"Item": item} if item else {}


def test_loading_writes_every_customer_in_batches_of_25_and_retries_unprocessed_ones() -> None:
    fake = FakeDynamoDb()
    loaded = load_customers(fake, "accounts", 1010, seed=3, as_of=AS_OF, threads=4, sample_size=100)
    assert len(fake.items) == loaded.count == loaded.outlook.customers == 1010
    assert max(fake.batch_sizes) == 25
    assert sum(fake.batch_sizes) == 1010 + 1  # the held-back item went again
    assert len(loaded.sample) == 101  # indices 0, 10, ..., 1000
    assert sum(before != after for before, after in loaded.sample.values()) > 10


def test_the_sample_check_finds_a_wrong_or_unqualified_tier() -> None:
    fake = FakeDynamoDb()
    accounts = [generated.account for generated in generate_accounts(3, seed=9, as_of=AS_OF)]
    for account, tier in zip(accounts, ["SILVER", "GOLD", "GOLD"], strict=True):
        account.tier = tier
        account.tier_as_of = AS_OF
        fake.items[account.customer_id] = account_to_item(account, 2)
    first, second, third = (account.customer_id for account in accounts)
    sample = {first: ("BRONZE", "SILVER"), second: ("GOLD", "GOLD"), third: ("SILVER", "PLATINUM")}
    assert sample_mismatches(fake, "accounts", sample, AS_OF) == [
        f"{third}: GOLD as of {AS_OF}, expected PLATINUM as of {AS_OF}"
    ]
    fake.items[first] = account_to_item(accounts[0].model_copy(update={"tier_as_of": "2026-02"}), 2)
    assert [line.split(":")[0] for line in sample_mismatches(fake, "accounts", sample, AS_OF)] == [first, third]
    assert sample_mismatches(fake, "accounts", {"nobody": ("GOLD", "GOLD")}, AS_OF) == ["nobody: missing"]


def report(**changes: Any) -> BenchmarkReport:
    values: dict[str, Any] = {
        "setup": "10,000 customers",
        "customers_loaded": 10_000,
        "load_seconds": 8.0,
        "customers_processed": 10_000,
        "chunks": 5,
        "wall_seconds": 50.0,
        "upgrades": 1500,
        "downgrades": 1000,
        "tier_changes": {"BRONZE": 400, "SILVER": 1100, "GOLD": 700, "PLATINUM": 300},
        "phase_seconds": {"publish": 20.0, "read": 100.0, "write": 60.0, "compute": 20.0},
        "checks": [Check("customers processed", True, "10,000 of 10,000")],
        "cpu_seconds": {"dynamodb": 40.0, "batch-worker-0": 10.0},
    }
    return BenchmarkReport(**(values | changes))


def test_phase_shares_add_up_in_phase_order() -> None:
    shares = phase_shares({"publish": 20.0, "read": 100.0, "write": 60.0, "compute": 20.0, "other": 0.0})
    assert list(shares) == ["read", "compute", "write", "publish", "other"]
    assert shares["read"] == 0.5
    assert sum(shares.values()) == pytest.approx(1.0)
    assert phase_shares({}) == {}
    assert phase_shares({"read": 0.0}) == {"read": 0.0}


def test_the_report_prints_rates_shares_parallelism_and_cpu() -> None:
    text = format_report(report())
    assert "10,000 customers in 8.0 s (1,250 customers/s)" in text
    assert "10,000 customers in 5 chunks, wall 50.0 s: 200 customers/s" in text
    assert "tier changes 2,500 (25.0%): 1,500 upgrades, 1,000 downgrades" in text
    assert "  read         100.0 s   50.0%" in text
    assert "  total        200.0 s" in text
    assert "worker parallelism 4.00" in text
    assert "  dynamodb           40.0 s   0.80 cores" in text
    assert text.endswith("result: all checks passed")


def test_a_failed_check_is_shown_and_fails_the_report() -> None:
    failed = report(checks=[Check("failed chunks", False, "1 of 5"), Check("customers processed", True, "all")])
    assert not failed.ok
    text = format_report(failed)
    assert "  FAILED failed chunks: 1 of 5" in text
    assert text.endswith("SOME CHECKS FAILED")
    assert "wall 0.0 s: n/a customers/s" in format_report(report(wall_seconds=0.0))


def test_cpu_seconds_come_from_proc() -> None:
    sum(range(2_000_000))  # spend some CPU
    seconds = process_cpu_seconds(os.getpid())
    assert seconds is not None and seconds > 0
    assert process_cpu_seconds(-1) is None


def summary(**changes: Any) -> RunSummary:
    values: dict[str, Any] = {
        "as_of": AS_OF,
        "customers_processed": 100,
        "tier_changes": {"SILVER": 20, "BRONZE": 5},
        "upgrades": 20,
        "downgrades": 5,
        "chunks": 2,
        "failed_chunks": [],
        "duration_seconds": 3.0,
    }
    return RunSummary.model_validate(values | changes)


def test_the_checks_compare_the_summary_with_what_was_generated() -> None:
    outlook = TierOutlook(customers=100, upgrades=20, downgrades=5)
    loaded = LoadedCustomers(100, 1.0, outlook, {"c1": ("BRONZE", "SILVER"), "c2": ("GOLD", "GOLD")})
    checks = run_checks(summary(), loaded, [], EventTally(queued=27, in_outbox=0))
    assert [check.ok for check in checks] == [True] * 5
    assert checks[3].detail == "2 of 2 as the loyalty rules say (1 of them changed tier)"
    assert checks[4].detail == (
        "27 tier events reached the notifications queue for 25 changes (2 published twice), 0 left in the outbox"
    )
    failing = run_checks(
        summary(customers_processed=99, upgrades=19, failed_chunks=[{"segment": 1, "error": "States.Timeout"}]),
        loaded,
        ["c1: missing"],
        EventTally(queued=30, in_outbox=1),
    )
    assert [check.ok for check in failing] == [False] * 5
    assert failing[3].detail.endswith("; first wrong: c1: missing")
    assert not run_checks(summary(), loaded, [], EventTally(queued=24, in_outbox=0))[4].ok
