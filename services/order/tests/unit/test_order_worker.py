"""The payment-outcome consumer: SQS messages routed to the handler, deleted only once handled."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from shop_order.domain import OrderStatus, PlaceOrder
from shop_order.entrypoints.worker import payment_outcome_handlers
from shop_order.handlers import Render, place_order
from shop_shared.contracts import EventEnvelope, PaymentSucceeded, new_envelope
from shop_shared.messaging import SqsEventConsumer

from tests.fakes.order_rate_limits import default_rate_limiting

if TYPE_CHECKING:
    from conftest import InMemoryOrderRepository, RecordingPublisher, ReversibleContactEncryption


class RecordingSqsClient:
    """Only what SqsEventConsumer.process_batch calls: the deletes."""

    def __init__(self) -> None:
        self.deleted: list[str] = []

    async def delete_message_batch(self, *, QueueUrl: str, Entries: list[dict[str, str]]) -> dict[str, Any]:
        self.deleted.extend(entry["ReceiptHandle"] for entry in Entries)
        return {"Successful": [{"Id": entry["Id"]} for entry in Entries]}


def sqs_message(envelope: EventEnvelope[Any], receipt: str) -> dict[str, Any]:
    event = {
        "source": envelope.metadata.source,
        "detail-type": envelope.metadata.event_type,
        "detail": envelope.to_detail(),
    }
    return {"MessageId": receipt, "ReceiptHandle": receipt, "Body": json.dumps(event)}


def succeeded(order_id: str) -> EventEnvelope[Any]:
    data = PaymentSucceeded(
        payment_id="p-1",
        order_id=order_id,
        customer_id="c-123",
        amount=Decimal("44.98"),
        currency="USD",
        provider_reference="ref",
    )
    return new_envelope(data, correlation_id=order_id)


async def test_handled_outcomes_are_deleted_and_unknown_orders_stay(
    order_body: dict[str, Any],
    repository: InMemoryOrderRepository,
    encryption: ReversibleContactEncryption,
    publisher: RecordingPublisher,
    render: Render,
) -> None:
    placed = await place_order(
        PlaceOrder.model_validate(order_body),
        repository=repository,
        contact_encryption=encryption,
        render=render,
        rate_limiting=default_rate_limiting(),
    )
    order = repository.orders[placed.order_id]
    sqs = RecordingSqsClient()
    consumer = SqsEventConsumer(sqs, "queue-url", payment_outcome_handlers(repository))
    first = succeeded(order.order_id)

    await consumer.process_batch(
        [
            sqs_message(first, "known"),
            sqs_message(first, "replay"),
            sqs_message(succeeded(str(uuid.uuid4())), "unknown-order"),
            {"MessageId": "junk", "ReceiptHandle": "junk", "Body": "{not json"},
        ]
    )

    assert sorted(sqs.deleted) == ["known", "replay"]
    stored = repository.orders[order.order_id]
    assert stored.status is OrderStatus.PAID
    assert [change.status for change in stored.status_history] == [OrderStatus.PENDING_PAYMENT, OrderStatus.PAID]
