"""Per-message outcomes (dispatch): handled messages are deleted, everything else stays for redelivery or the DLQ."""

import json
import uuid
from decimal import Decimal
from typing import Any

from shop_shared.contracts import OrderCreated, OrderCreatedLine, new_envelope
from shop_shared.messaging import SqsEventConsumer
from shop_shared.messaging.dispatch import Dispatcher


class FakeSqs:
    """A stand-in for the SQS client at the boundary: records deletes."""

    def __init__(self, messages: list[dict[str, Any]]) -> None:
        self.messages = messages
        self.deleted: list[str] = []

    async def receive_message(self, **_: Any) -> dict[str, Any]:
        messages, self.messages = self.messages, []
        return {"Messages": messages}

    async def delete_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> dict[str, Any]:
        self.deleted.extend(entry["ReceiptHandle"] for entry in Entries)
        return {"Successful": Entries, "Failed": []}


def message(body: str) -> dict[str, str]:
    handle = f"rh-{uuid.uuid4()}"
    return {"MessageId": str(uuid.uuid4()), "ReceiptHandle": handle, "Body": body}


def order_event(order_id: str) -> str:
    data = OrderCreated(
        order_id=order_id,
        customer_id="c",
        currency="USD",
        total=Decimal(1),
        items=(OrderCreatedLine(sku="S", quantity=1, unit_price=Decimal(1)),),
        payment_token="tok",
        contact_ciphertext="x",
    )
    envelope = new_envelope(data, correlation_id="c")
    return json.dumps({"detail-type": "order.created", "source": "shop.order", "detail": envelope.to_detail()})


async def test_only_successfully_handled_messages_are_deleted() -> None:
    handled: list[str] = []

    async def on_order_created(envelope: Any) -> None:
        if envelope.data.order_id == "bad":
            raise RuntimeError("downstream down")
        handled.append(envelope.data.order_id)

    good, failing, garbage = message(order_event("good")), message(order_event("bad")), message("{not json")
    payment = json.loads(order_event("x"))
    payment["detail"]["metadata"]["event_type"] = payment["detail-type"] = "order.cancelled"
    unknown = message(json.dumps(payment))
    sqs = FakeSqs([good, failing, garbage, unknown])
    consumer = SqsEventConsumer(sqs, "url", {"order.created": on_order_created})
    assert await consumer.poll_once() == 4
    assert handled == ["good"]
    assert sqs.deleted == [good["ReceiptHandle"]]


async def test_each_message_comes_to_one_outcome() -> None:
    async def on_order_created(envelope: Any) -> None:
        if envelope.data.order_id == "bad":
            raise RuntimeError("downstream down")

    other_type = json.loads(order_event("x"))
    other_type["detail"]["metadata"]["event_type"] = other_type["detail-type"] = "order.cancelled"
    dispatcher = Dispatcher({"order.created": on_order_created})

    outcomes = [
        await dispatcher.dispatch(message(body))
        for body in (order_event("good"), order_event("bad"), "{not json", json.dumps(other_type))
    ]

    assert outcomes == ["succeeded", "failed", "rejected", "rejected"]
