"""The DynamoDB item form of an account and the conditional writes built from it (no AWS involved)."""

from __future__ import annotations

from datetime import UTC, datetime

from shop_loyalty.adapters.accounts import DynamoDbAccounts, account_from_item
from shop_loyalty.adapters.ledger import DynamoDbLedger
from shop_loyalty.domain import LoyaltyAccount
from shop_shared.aws import from_item

AT = datetime(2025, 3, 14, 12, tzinfo=UTC)


def test_account_round_trips_through_its_item() -> None:
    account = LoyaltyAccount(customer_id="c1", version=3)
    account.credit("o1", 1200, "2025-03", AT)
    account.requalify("2025-03")
    saved = DynamoDbAccounts(None, "accounts").save_change(account)
    assert saved.name == "account:c1"
    put = saved.write["Put"]
    assert put["TableName"] == "accounts"
    assert put["ConditionExpression"] == "attribute_not_exists(customer_id) OR version = :expected"
    assert from_item(put["ExpressionAttributeValues"]) == {":expected": 3}
    stored = account_from_item(put["Item"])
    assert stored == account.model_copy(update={"version": 4})


def test_a_new_account_expects_version_zero_and_has_no_tier_month() -> None:
    put = DynamoDbAccounts(None, "accounts").save_change(LoyaltyAccount(customer_id="c1")).write["Put"]
    assert "tier_as_of" not in put["Item"]
    assert put["Item"]["version"] == {"N": "1"}
    assert from_item(put["ExpressionAttributeValues"]) == {":expected": 0}


def test_ledger_entry_is_written_only_if_absent() -> None:
    entry = DynamoDbLedger("ledger").credit_entry(
        order_id="o1", customer_id="c1", points=12, month="2025-03", credited_at=AT, event_id="e1"
    )
    assert entry.name == "ledger:o1"  # the name a cancelled unit of work reports it under
    put = entry.write["Put"]
    assert put["ConditionExpression"] == "attribute_not_exists(order_id)"
    assert from_item(put["Item"])["points"] == 12


def test_reversal_is_its_own_entry_written_only_if_absent() -> None:
    entry = DynamoDbLedger("ledger").reversal_entry(
        order_id="o1", customer_id="c1", points=12, month="2025-03", credited=True, reversed_at=AT, event_id="e2"
    )
    assert entry.name == "ledger:o1#reversal"
    put = entry.write["Put"]
    assert put["ConditionExpression"] == "attribute_not_exists(order_id)"
    assert from_item(put["Item"]) | {"reversed_at": None} == {
        "order_id": "o1#reversal",
        "kind": "reversal",
        "reverses_order_id": "o1",
        "customer_id": "c1",
        "points": 12,
        "month": "2025-03",
        "credited": True,
        "reversed_at": None,
        "event_id": "e2",
    }


def test_credit_and_tombstone_each_check_the_other_entry_is_absent() -> None:
    ledger = DynamoDbLedger("ledger")
    assert ledger.not_reversed_check("o1").write["ConditionCheck"] == {
        "TableName": "ledger",
        "Key": {"order_id": {"S": "o1#reversal"}},
        "ConditionExpression": "attribute_not_exists(order_id)",
    }
    assert ledger.not_credited_check("o1").write["ConditionCheck"]["Key"] == {"order_id": {"S": "o1"}}
