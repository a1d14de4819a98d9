"""The worker's routing: each event type reaches its handler; a message is deleted only when handled."""

import json
import uuid
from decimal import Decimal
from typing import Any

from shop_devtools.testing.events import as_eventbridge_event
from shop_notifications.entrypoints.worker import event_handlers
from shop_shared.contracts import EventEnvelope, OrderCreated, OrderCreatedLine, PaymentFailed, new_envelope
from shop_shared.messaging import SqsEventConsumer


class FakeSqs:
    def __init__(self) -> None:
        self.deleted: list[str] = []

    async def delete_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> dict[str, Any]:
        self.deleted.extend(entry["ReceiptHandle"] for entry in Entries)
        return {"Successful": [{"Id": entry["Id"]} for entry in Entries], "Failed": []}


def sqs_message(envelope: EventEnvelope[Any]) -> dict[str, Any]:
    """What an EventBridge rule puts into the queue: the whole event, our envelope in `detail`."""
    body = json.dumps(as_eventbridge_event(envelope))
    return {"MessageId": str(uuid.uuid4()), "ReceiptHandle": envelope.metadata.event_type, "Body": body}


def test_the_worker_handles_exactly_the_three_routed_event_types(harness: Any) -> None:
    assert set(event_handlers(harness.deps)) == {"order.created", "payment.failed", "loyalty.tier_changed"}


async def test_handled_messages_are_deleted_and_failed_ones_left_for_redelivery(harness: Any) -> None:
    sqs = FakeSqs()
    consumer = SqsEventConsumer(sqs, "queue-url", event_handlers(harness.deps), wait_time_seconds=0)
    created = new_envelope(
        OrderCreated(
            order_id="ord-1",
            customer_id="cust-1",
            currency="USD",
            total=Decimal("10"),
            items=(OrderCreatedLine(sku="A", quantity=1, unit_price=Decimal("10")),),
            payment_token="tok",
            contact_ciphertext=harness.encrypt({"phone": "+15555550100"}, "cust-1"),
        ),
        correlation_id="ord-1",
    )
    orphan = new_envelope(
        PaymentFailed(
            payment_id="p",
            order_id="ord-2",
            customer_id="cust-without-contact",
            amount=Decimal("5"),
            currency="USD",
            reason_code="card_declined",
        ),
        correlation_id="ord-2",
    )

    await consumer.process_batch([sqs_message(created), sqs_message(orphan)])

    assert sqs.deleted == ["order.created"]
    assert len(harness.sms.attempts) == 1
