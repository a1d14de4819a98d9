"""payment.failed takes an order's points back exactly once, against the emulators: the handlers on real DynamoDB
transactions in both orders of the events, and the running service fed through the bus and by redelivery."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from shop_devtools.processes import ManagedProcess
from shop_devtools.testing.events import as_eventbridge_event, order_created_envelope, wait_until, wait_until_drained
from shop_devtools.testing.fixtures import AwsClients
from shop_loyalty.adapters import DynamoDbAccounts, DynamoDbLedger, DynamoDbPartnerNotes
from shop_loyalty.handlers import CreditOutcome, ReversalOutcome, credit_order_points, reverse_order_points
from shop_shared.contracts import EventEnvelope, OrderCreated, PaymentFailed, new_envelope
from shop_shared.messaging import EventBridgePublisher
from shop_shared.outbox import DynamoDbUnitOfWork
from shop_shared.outbox.unit_of_work import TransactionCancelled
from shop_shared.topology import DeployedTopology

if TYPE_CHECKING:
    from conftest import AuthHeaders

pytestmark = pytest.mark.integration

DEADLINE_SECONDS = 20.0
NOW = datetime(2025, 3, 14, 12, tzinfo=UTC)


def _payment_failed(order: EventEnvelope[OrderCreated]) -> EventEnvelope[PaymentFailed]:
    failure = PaymentFailed(
        payment_id=f"pay-{uuid.uuid4()}",
        order_id=order.data.order_id,
        customer_id=order.data.customer_id,
        amount=Decimal(order.data.total),
        currency=order.data.currency,
        reason_code="card_declined",
    )
    return new_envelope(failure, correlation_id=order.data.order_id)


class _Loyalty:
    """The loyalty handlers wired to the emulator's DynamoDB tables, as bootstrap wires them."""

    def __init__(self, aws: AwsClients, deployed: DeployedTopology) -> None:
        self.accounts = DynamoDbAccounts(aws.dynamodb, deployed.name("loyalty-accounts"))
        self.ledger = DynamoDbLedger(deployed.name("loyalty-ledger"))
        self.unit_of_work = DynamoDbUnitOfWork(aws.dynamodb)
        self.notes = DynamoDbPartnerNotes(aws.dynamodb, deployed.name("loyalty-ledger"))

    async def credit(self, event: EventEnvelope[OrderCreated]) -> CreditOutcome:
        return await credit_order_points(
            event, accounts=self.accounts, ledger=self.ledger, unit_of_work=self.unit_of_work, clock=lambda: NOW
        )

    async def reverse(self, event: EventEnvelope[PaymentFailed]) -> ReversalOutcome:
        return await reverse_order_points(
            event,
            accounts=self.accounts,
            ledger=self.ledger,
            unit_of_work=self.unit_of_work,
            notes=self.notes,
            clock=lambda: NOW,
        )


async def test_credit_then_failure_reverses_once_on_dynamodb(
    aws: AwsClients, deployed_topology: DeployedTopology
) -> None:
    loyalty = _Loyalty(aws, deployed_topology)
    customer_id = f"customer-{uuid.uuid4()}"
    kept, unpaid = order_created_envelope(customer_id, "200.00"), order_created_envelope(customer_id, "1500.00")
    failure = _payment_failed(unpaid)
    assert await loyalty.credit(kept) is CreditOutcome.CREDITED
    assert await loyalty.credit(unpaid) is CreditOutcome.CREDITED

    assert await loyalty.reverse(failure) is ReversalOutcome.REVERSED
    assert await loyalty.reverse(failure) is ReversalOutcome.ALREADY_REVERSED
    assert await loyalty.credit(unpaid) is CreditOutcome.ALREADY_CREDITED

    account = await loyalty.accounts.get(customer_id)
    assert account is not None
    assert (account.points_balance, sum(account.points_by_month.values()), account.version) == (200, 200, 3)
    reversal = await loyalty.notes.entry(unpaid.data.order_id, "reversal")
    assert reversal is not None and (reversal.customer_id, reversal.points, reversal.credited) == (
        customer_id,
        1500,
        True,
    )


async def test_failure_then_credit_leaves_a_tombstone_and_credits_nothing_on_dynamodb(
    aws: AwsClients, deployed_topology: DeployedTopology
) -> None:
    loyalty = _Loyalty(aws, deployed_topology)
    customer_id = f"customer-{uuid.uuid4()}"
    order = order_created_envelope(customer_id, "800.00")

    assert await loyalty.reverse(_payment_failed(order)) is ReversalOutcome.TOMBSTONED
    assert await loyalty.credit(order) is CreditOutcome.PAYMENT_FAILED_FIRST
    assert await loyalty.reverse(_payment_failed(order)) is ReversalOutcome.ALREADY_REVERSED

    assert await loyalty.accounts.get(customer_id) is None
    assert await loyalty.notes.entry(order.data.order_id, "credit") is None
    tombstone = await loyalty.notes.entry(order.data.order_id, "reversal")
    assert tombstone is not None and (tombstone.points, tombstone.credited) == (0, False)


async def test_dynamodb_names_the_entry_that_lost_in_each_transaction(
    aws: AwsClients, deployed_topology: DeployedTopology
) -> None:
    """The handlers tell 'already credited', 'payment failed first' and 'credited meanwhile' apart by the
    failed condition's change: the emulator must report them per item, in request order."""
    loyalty = _Loyalty(aws, deployed_topology)
    credited, tombstoned = f"order-{uuid.uuid4()}", f"order-{uuid.uuid4()}"

    def credit_entry(order_id: str) -> Any:
        return loyalty.ledger.credit_entry(
            order_id=order_id, customer_id="c", points=1, month="2025-03", credited_at=NOW, event_id="e"
        )

    def tombstone(order_id: str) -> Any:
        return loyalty.ledger.reversal_entry(
            order_id=order_id, customer_id="c", points=0, month="2025-03", credited=False, reversed_at=NOW, event_id="e"
        )

    await loyalty.unit_of_work.commit([credit_entry(credited), loyalty.ledger.not_reversed_check(credited)])
    await loyalty.unit_of_work.commit([tombstone(tombstoned), loyalty.ledger.not_credited_check(tombstoned)])

    late_tombstone, not_credited = tombstone(credited), loyalty.ledger.not_credited_check(credited)
    with pytest.raises(TransactionCancelled) as too_late:  # a tombstone for an order credited meanwhile
        await loyalty.unit_of_work.commit([late_tombstone, not_credited])
    assert too_late.value.failed_conditions == [not_credited.name]
    late_credit, not_reversed = credit_entry(tombstoned), loyalty.ledger.not_reversed_check(tombstoned)
    with pytest.raises(TransactionCancelled) as refused:  # a credit after the tombstone
        await loyalty.unit_of_work.commit([late_credit, not_reversed])
    assert refused.value.failed_conditions == [not_reversed.name]


async def _loyalty_view(client: httpx.AsyncClient, customer_id: str, headers: dict[str, str]) -> httpx.Response:
    return await client.get(f"/customers/{customer_id}/loyalty", headers=headers)


async def test_the_service_reverses_a_routed_payment_failed_once_and_tells_the_partner(
    loyalty_service: ManagedProcess,
    deployed_topology: DeployedTopology,
    service_ports: dict[str, int],
    aws: AwsClients,
    auth_headers: AuthHeaders,
) -> None:
    customer_id = f"customer-{uuid.uuid4()}"
    signed_in = auth_headers(customer_id)
    order = order_created_envelope(customer_id, "1234.56")
    failure = _payment_failed(order)
    publisher = EventBridgePublisher(aws.events, deployed_topology.bus_name)
    ledger_table = deployed_topology.name("loyalty-ledger")
    partner_url = f"http://127.0.0.1:{service_ports['loyalty-partner']}"

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{service_ports['loyalty']}", timeout=5) as client:

        async def balance_is(points: int) -> dict[str, Any] | None:
            response = await _loyalty_view(client, customer_id, signed_in)
            body: dict[str, Any] = response.json()
            return body if response.status_code == 200 and body["points_balance"] == points else None

        assert not (await publisher.publish([order])).failed
        await wait_until(lambda: balance_is(1234), timeout=DEADLINE_SECONDS, message="order credited")
        # Through the bus: the payment-failed-to-loyalty rule delivers it to loyalty's queue.
        assert not (await publisher.publish([failure])).failed
        reversed_view = await wait_until(lambda: balance_is(0), timeout=DEADLINE_SECONDS, message="order reversed")

        async def reversal_told() -> bool:
            item = await aws.dynamodb.get_item(
                TableName=ledger_table, Key={"order_id": {"S": f"{order.data.order_id}#reversal"}}, ConsistentRead=True
            )
            return "partner_notified_at" in item.get("Item", {})

        await wait_until(reversal_told, timeout=DEADLINE_SECONDS, message="partner told of the reversal")
        stats_before = (await client.get(f"{partner_url}/sim/stats")).json()

        # Redeliveries of both events straight into the queue: nothing changes, nobody is called again.
        queue_url = (await aws.sqs.get_queue_url(QueueName=deployed_topology.name("loyalty-order-events")))["QueueUrl"]
        for event in (failure, order):
            await aws.sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(as_eventbridge_event(event)))
        await wait_until_drained(aws.sqs, queue_url, timeout=DEADLINE_SECONDS)
        after = (await _loyalty_view(client, customer_id, signed_in)).json()
        stats_after = (await client.get(f"{partner_url}/sim/stats")).json()
        reversals = (await client.get(f"{partner_url}/v1/reversals", params={"customer_id": customer_id})).json()

    assert reversed_view["qualifying_points"] == 0
    assert [(r["order_id"], r["points"]) for r in reversed_view["recent_reversals"]] == [(order.data.order_id, 1234)]
    assert [c["order_id"] for c in reversed_view["recent_credits"]] == [order.data.order_id]
    assert after == reversed_view
    assert stats_after["requests"] == stats_before["requests"]
    assert [(r["order_id"], r["points"]) for r in reversals["reversals"]] == [(order.data.order_id, 1234)]


async def test_the_service_never_credits_an_order_whose_failure_came_first(
    loyalty_service: ManagedProcess,
    deployed_topology: DeployedTopology,
    service_ports: dict[str, int],
    aws: AwsClients,
    auth_headers: AuthHeaders,
) -> None:
    customer_id = f"customer-{uuid.uuid4()}"
    order = order_created_envelope(customer_id, "999.00")
    ledger_table = deployed_topology.name("loyalty-ledger")
    queue_url = (await aws.sqs.get_queue_url(QueueName=deployed_topology.name("loyalty-order-events")))["QueueUrl"]

    async def ledger_item(key: str) -> dict[str, Any] | None:
        item = await aws.dynamodb.get_item(TableName=ledger_table, Key={"order_id": {"S": key}}, ConsistentRead=True)
        found: dict[str, Any] | None = item.get("Item")
        return found

    # Straight into the queue, one after the other, so the order of arrival is certain.
    failure_message = json.dumps(as_eventbridge_event(_payment_failed(order)))
    await aws.sqs.send_message(QueueUrl=queue_url, MessageBody=failure_message)
    tombstone = await wait_until(
        lambda: ledger_item(f"{order.data.order_id}#reversal"), timeout=DEADLINE_SECONDS, message="tombstone written"
    )
    await aws.sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(as_eventbridge_event(order)))
    await wait_until_drained(aws.sqs, queue_url, timeout=DEADLINE_SECONDS)

    assert tombstone["credited"] == {"BOOL": False} and tombstone["points"] == {"N": "0"}
    assert await ledger_item(order.data.order_id) is None
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{service_ports['loyalty']}", timeout=5) as client:
        view = await _loyalty_view(client, customer_id, auth_headers(customer_id))
        partner = f"http://127.0.0.1:{service_ports['loyalty-partner']}"
        credits = (await client.get(f"{partner}/v1/credits", params={"customer_id": customer_id})).json()["credits"]
    assert view.status_code == 404
    assert credits == []
