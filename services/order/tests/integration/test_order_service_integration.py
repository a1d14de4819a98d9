"""The order process against the emulators: HTTP API (with tokens of the dev issuer), DynamoDB, KMS, the outbox to
EventBridge, SQS outcomes."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import httpx
import jwt
import pytest
from shop_devtools.dev_issuer import DevIssuerClient, bearer
from shop_devtools.testing.events import capture_events, wait_until, wait_until_drained
from shop_devtools.testing.fixtures import AwsClients
from shop_devtools.testing.tokens import TestIssuer
from shop_shared.contracts import OrderCreated, PaymentFailed, PaymentSucceeded, new_envelope
from shop_shared.messaging import EventBridgePublisher
from shop_shared.topology import DeployedTopology

if TYPE_CHECKING:
    from conftest import AuthHeaders

pytestmark = pytest.mark.integration

DEADLINE_SECONDS = 20.0


def order_body(customer_id: str, *, contact: dict[str, str] | None = None, **changes: Any) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "currency": "USD",
        "items": [{"sku": "SKU-1", "quantity": 2, "unit_price": "19.99"}],
        "payment_token": "tok_success",
        "contact": contact or {"phone": "+15555550100"},
        **changes,
    }


async def test_placed_order_is_stored_and_announced_with_encrypted_contact(
    order_api: httpx.AsyncClient, aws: AwsClients, deployed_topology: DeployedTopology, auth_headers: AuthHeaders
) -> None:
    customer_id = f"it-{uuid.uuid4().hex}"
    contact = {"email": "jane.doe@example.com"}
    # The order id is only known after POST /orders, and the event is published before that answer,
    # so the capture matches this test's unique customer id; the test then checks the order id.
    pattern = {
        "source": ["shop.order"],
        "detail-type": ["order.created"],
        "detail": {"data": {"customer_id": [customer_id]}},
    }

    async with capture_events(deployed_topology.bus_name, pattern) as captured:
        created = await order_api.post(
            "/orders",
            json=order_body(customer_id, contact=contact),
            headers={"X-Correlation-Id": f"corr-{customer_id}", **auth_headers(customer_id, contact)},
        )
        assert created.status_code == 201, created.text
        [envelope] = await captured.wait_for(timeout=DEADLINE_SECONDS)

    order = created.json()
    assert created.headers["Location"] == f"/orders/{order['order_id']}"
    assert (order["status"], order["total"]) == ("PENDING_PAYMENT", "39.98")
    fetched = await order_api.get(created.headers["Location"], headers=auth_headers(customer_id))
    assert fetched.status_code == 200 and fetched.json() == order

    [body] = captured.bodies
    assert "jane.doe" not in body
    event = envelope.data
    assert isinstance(event, OrderCreated)
    assert envelope.metadata.correlation_id == f"corr-{customer_id}"
    assert (event.order_id, event.customer_id, event.total, event.payment_token) == (
        order["order_id"],
        customer_id,
        Decimal("39.98"),
        "tok_success",
    )
    decrypted = await aws.kms.decrypt(
        CiphertextBlob=base64.b64decode(event.contact_ciphertext), EncryptionContext={"customer_id": customer_id}
    )
    assert json.loads(decrypted["Plaintext"]) == contact


async def test_invalid_order_is_422_and_stores_nothing(
    order_api: httpx.AsyncClient, aws: AwsClients, deployed_topology: DeployedTopology, auth_headers: AuthHeaders
) -> None:
    customer_id = f"it-{uuid.uuid4().hex}"
    signed_in = auth_headers(customer_id, order_body(customer_id)["contact"])

    async def stored_orders() -> int:
        response = await aws.dynamodb.scan(
            TableName=deployed_topology.name("orders"),
            FilterExpression="customer_id = :customer",
            ExpressionAttributeValues={":customer": {"S": customer_id}},
            ConsistentRead=True,
        )
        return int(response["Count"])

    before = await stored_orders()
    invalid = order_body(customer_id, items=[{"sku": "SKU-1", "quantity": 0, "unit_price": "19.999"}])

    rejected = await order_api.post("/orders", json=invalid, headers=signed_in)

    assert rejected.status_code == 422
    fields = {detail["field"] for detail in rejected.json()["details"]}
    assert fields == {"items.0.quantity", "items.0.unit_price"}
    assert before == 0 and await stored_orders() == 0
    # The same count sees a valid order of this customer, so the zero above means something.
    assert (await order_api.post("/orders", json=order_body(customer_id), headers=signed_in)).status_code == 201
    assert await stored_orders() == 1


async def test_payment_outcomes_settle_orders_once(
    order_api: httpx.AsyncClient, aws: AwsClients, deployed_topology: DeployedTopology, auth_headers: AuthHeaders
) -> None:
    publisher = EventBridgePublisher(aws.events, deployed_topology.bus_name)
    customer_id = f"it-{uuid.uuid4().hex}"
    signed_in = auth_headers(customer_id, order_body(customer_id)["contact"])

    async def place() -> dict[str, Any]:
        response = await order_api.post("/orders", json=order_body(customer_id), headers=signed_in)
        assert response.status_code == 201, response.text
        order: dict[str, Any] = response.json()
        return order

    def outcome(order: dict[str, Any], succeeded: bool) -> Any:
        fields: dict[str, Any] = {
            "payment_id": f"pay-{uuid.uuid4().hex[:12]}",
            "order_id": order["order_id"],
            "customer_id": order["customer_id"],
            "amount": Decimal(order["total"]),
            "currency": order["currency"],
        }
        data = (
            PaymentSucceeded(**fields, provider_reference="ref-1")
            if succeeded
            else PaymentFailed(**fields, reason_code="card_declined")
        )
        return new_envelope(data, correlation_id=order["order_id"])

    async def publish(*envelopes: Any) -> None:
        result = await publisher.publish(envelopes)
        assert not result.failed, result.failed

    async def reaches(order: dict[str, Any], status: str) -> dict[str, Any]:
        async def probe() -> dict[str, Any] | None:
            current: dict[str, Any] = (await order_api.get(f"/orders/{order['order_id']}", headers=signed_in)).json()
            return current if current["status"] == status else None

        reached: dict[str, Any] = await wait_until(
            probe, timeout=DEADLINE_SECONDS, message=f"order {order['order_id']} to become {status}"
        )
        return reached

    paid_order, failed_order, marker_order = await place(), await place(), await place()
    succeeded = outcome(paid_order, succeeded=True)
    await publish(succeeded, outcome(failed_order, succeeded=False))

    paid = await reaches(paid_order, "PAID")
    failed = await reaches(failed_order, "PAYMENT_FAILED")
    assert [change["status"] for change in paid["status_history"]] == ["PENDING_PAYMENT", "PAID"]
    assert [change["status"] for change in failed["status_history"]] == ["PENDING_PAYMENT", "PAYMENT_FAILED"]

    # A redelivered outcome and a contrary one for a settled order, then a marker outcome: once the
    # marker is applied and the queue is empty, both were handled (and deleted, not left to retry).
    await publish(succeeded, outcome(paid_order, succeeded=False))
    await publish(outcome(marker_order, succeeded=True))
    await reaches(marker_order, "PAID")
    outcomes = await aws.sqs.get_queue_url(QueueName=deployed_topology.name("order-payment-outcomes"))
    await wait_until_drained(aws.sqs, outcomes["QueueUrl"], timeout=DEADLINE_SECONDS)

    assert (await order_api.get(f"/orders/{paid_order['order_id']}", headers=signed_in)).json() == paid


async def test_oversized_bodies_are_413_whether_declared_or_chunked(
    order_api: httpx.AsyncClient, aws: AwsClients, deployed_topology: DeployedTopology, auth_headers: AuthHeaders
) -> None:
    customer_id = f"it-{uuid.uuid4().hex}"
    signed_in = auth_headers(customer_id, order_body(customer_id)["contact"])
    # A real order padded with JSON whitespace past the default 64 KiB limit.
    oversized = json.dumps(order_body(customer_id)).encode() + b" " * 65_536

    async def chunked() -> AsyncIterator[bytes]:
        for start in range(0, len(oversized), 4096):
            yield oversized[start : start + 4096]

    headers = {"Content-Type": "application/json", **signed_in}
    declared = await order_api.post("/orders", content=oversized, headers=headers)
    streamed = await order_api.post("/orders", content=chunked(), headers=headers)

    for response in (declared, streamed):
        assert response.status_code == 413
        assert response.json()["code"] == "payload_too_large"
    assert "content-length" in declared.request.headers
    assert streamed.request.headers.get("transfer-encoding") == "chunked"
    stored = await aws.dynamodb.scan(
        TableName=deployed_topology.name("orders"),
        FilterExpression="customer_id = :customer",
        ExpressionAttributeValues={":customer": {"S": customer_id}},
        ConsistentRead=True,
    )
    assert stored["Count"] == 0
    # The service is fine afterwards, and the same order under the limit is accepted.
    assert (await order_api.post("/orders", json=order_body(customer_id), headers=signed_in)).status_code == 201


async def test_orders_without_a_valid_token_as_someone_else_or_to_another_contact_store_nothing(
    order_api: httpx.AsyncClient,
    aws: AwsClients,
    deployed_topology: DeployedTopology,
    auth_headers: AuthHeaders,
    dev_issuer: DevIssuerClient,
) -> None:
    customer_id, victim = f"it-{uuid.uuid4().hex}", f"it-{uuid.uuid4().hex}"
    body = order_body(customer_id)
    phone = body["contact"]["phone"]
    genuine = dev_issuer.mint_for_contact(customer_id, body["contact"])
    claims = jwt.decode(genuine, options={"verify_signature": False})
    # The same issuer, audience and kid as the genuine token, but another key (or none) signs.
    impostor = TestIssuer(issuer=claims["iss"], audience=claims["aud"], kid=jwt.get_unverified_header(genuine)["kid"])
    attempts = {
        "no token": (body, {}),
        "forged signature": (body, bearer(impostor.mint(customer_id, phone=phone))),
        "alg none": (body, bearer(impostor.mint_unsigned(customer_id, phone=phone))),
        "ordering as someone else": (order_body(victim), bearer(genuine)),
        "a contact the provider did not verify": (
            order_body(customer_id, contact={"phone": "+15555550199"}),
            bearer(genuine),
        ),
    }

    answers = {
        what: await order_api.post("/orders", json=sent, headers=headers) for what, (sent, headers) in attempts.items()
    }

    assert {what: (answer.status_code, answer.json()["code"]) for what, answer in answers.items()} == {
        "no token": (401, "unauthorized"),
        "forged signature": (401, "unauthorized"),
        "alg none": (401, "unauthorized"),
        "ordering as someone else": (403, "forbidden"),
        "a contact the provider did not verify": (403, "contact_not_verified"),
    }
    assert answers["forged signature"].headers["WWW-Authenticate"] == 'Bearer realm="shop", error="invalid_token"'
    for customer in (customer_id, victim):
        stored = await aws.dynamodb.scan(
            TableName=deployed_topology.name("orders"),
            FilterExpression="customer_id = :customer",
            ExpressionAttributeValues={":customer": {"S": customer}},
            ConsistentRead=True,
        )
        assert stored["Count"] == 0, customer
    # The genuine token and contact are accepted: the refusals above were about the token and the body only.
    assert (await order_api.post("/orders", json=body, headers=bearer(genuine))).status_code == 201
