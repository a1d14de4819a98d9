"""The local DynamoDB (moto through our launcher) keeps DynamoDB's transaction semantics, backing up touched items,
and its atomic conditional single-item writes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.exceptions import ClientError
from shop_devtools.emulators import start_moto
from shop_devtools.runtime import free_port
from shop_shared.aws import to_item

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def dynamodb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    port = free_port()
    process = start_moto(port, log_file=Path(tmp_path_factory.mktemp("moto")) / "dynamodb.log", echo=None)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.running(), "the moto launcher exited"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/moto-api/", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the moto launcher did not answer within 30 s"
            time.sleep(0.2)
        client = boto3.client(
            "dynamodb",
            endpoint_url=f"http://127.0.0.1:{port}",
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",  # the emulator's dummy credentials
        )
        for name, keys in {"accounts": ["id"], "outbox": ["id"], "lines": ["id", "line"]}.items():
            kinds = ["HASH", "RANGE"][: len(keys)]
            client.create_table(
                TableName=name,
                BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": key, "KeyType": kind} for key, kind in zip(keys, kinds, strict=True)],
                AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"} for key in keys],
            )
        yield client
    finally:
        process.stop()


def put(table: str, **values: Any) -> dict[str, Any]:
    return {"Put": {"TableName": table, "Item": to_item(values)}}


def put_new(table: str, **values: Any) -> dict[str, Any]:
    return {"Put": {"TableName": table, "Item": to_item(values), "ConditionExpression": "attribute_not_exists(id)"}}


def stored(client: Any, table: str, **key: Any) -> dict[str, Any] | None:
    item: dict[str, Any] | None = client.get_item(TableName=table, Key=to_item(key), ConsistentRead=True).get("Item")
    return item


def cancelled(client: Any, items: list[dict[str, Any]]) -> list[str]:
    with pytest.raises(ClientError) as caught:
        client.transact_write_items(TransactItems=items)
    assert caught.value.response["Error"]["Code"] == "TransactionCanceledException"
    return [reason["Code"] for reason in caught.value.response["CancellationReasons"]]


def test_a_committed_transaction_writes_every_item(dynamodb: Any) -> None:
    dynamodb.transact_write_items(TransactItems=[put("accounts", id="a1", tier="GOLD"), put_new("outbox", id="e1")])
    assert stored(dynamodb, "accounts", id="a1") == to_item({"id": "a1", "tier": "GOLD"})
    assert stored(dynamodb, "outbox", id="e1") is not None


def test_a_cancelled_transaction_puts_back_what_it_wrote(dynamodb: Any) -> None:
    dynamodb.put_item(TableName="accounts", Item=to_item({"id": "a2", "tier": "SILVER"}))
    dynamodb.put_item(TableName="outbox", Item=to_item({"id": "e2"}))
    reasons = cancelled(
        dynamodb,
        [put("accounts", id="a2", tier="GOLD"), put("accounts", id="a3", tier="GOLD"), put_new("outbox", id="e2")],
    )
    assert reasons == ["None", "None", "ConditionalCheckFailed"]
    assert stored(dynamodb, "accounts", id="a2") == to_item({"id": "a2", "tier": "SILVER"})
    assert stored(dynamodb, "accounts", id="a3") is None


def test_a_cancelled_transaction_keeps_the_other_items_of_a_partition(dynamodb: Any) -> None:
    dynamodb.put_item(TableName="lines", Item=to_item({"id": "o1", "line": "1"}))
    dynamodb.put_item(TableName="outbox", Item=to_item({"id": "e3"}))
    cancelled(dynamodb, [put("lines", id="o1", line="2"), put_new("outbox", id="e3")])
    assert stored(dynamodb, "lines", id="o1", line="1") is not None
    assert stored(dynamodb, "lines", id="o1", line="2") is None


def test_concurrent_transactions_on_one_new_key_let_exactly_one_win(dynamodb: Any) -> None:
    # What an idempotency key relies on: DynamoDB serialises transactions; stock moto let two both pass.
    def claim(attempt: int) -> bool:
        try:
            dynamodb.transact_write_items(
                TransactItems=[put_new("outbox", id="claimed-once"), put("accounts", id=f"winner-{attempt}")]
            )
            return True
        except ClientError as error:
            assert error.response["Error"]["Code"] == "TransactionCanceledException"
            return False

    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(claim, range(32)))
    assert outcomes.count(True) == 1


def test_concurrent_conditional_updates_of_one_counter_never_pass_its_limit(dynamodb: Any) -> None:
    # What the rate limit and the destination cap rely on: a conditional UpdateItem is atomic on DynamoDB; stock
    # moto checked the condition and wrote in two steps, and let 5 of 12 through a limit of 4 here.
    def count(attempt: int, counter: str) -> bool:
        try:
            dynamodb.update_item(
                TableName="accounts",
                Key=to_item({"id": counter}),
                UpdateExpression="ADD counted :one",
                ConditionExpression="attribute_not_exists(counted) OR counted < :limit",
                ExpressionAttributeValues=to_item({":one": 1, ":limit": 4}),
            )
            return True
        except ClientError as error:
            assert error.response["Error"]["Code"] == "ConditionalCheckFailedException"
            return False

    with ThreadPoolExecutor(max_workers=12) as pool:
        for round_ in range(10):
            outcomes = list(pool.map(lambda attempt, n=round_: count(attempt, f"counter-{n}"), range(12)))
            assert outcomes.count(True) == 4, f"round {round_}"
