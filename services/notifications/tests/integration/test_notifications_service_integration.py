"""The notifications service as a real process: events through EventBridge and SQS, SMS through SNS,
e-mail through SES, a redelivered event that sends nothing twice, and a history only its customer can read."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import boto3
import httpx
import jwt
import pytest
from shop_devtools.testing.events import as_eventbridge_event, wait_until, wait_until_drained
from shop_devtools.testing.fixtures import AwsClients, StartService, free_port
from shop_devtools.testing.tokens import TestIssuer
from shop_shared.contracts import (
    EventEnvelope,
    LoyaltyTierChanged,
    OrderCreated,
    OrderCreatedLine,
    PaymentFailed,
    new_envelope,
)
from shop_shared.messaging import EventBridgePublisher
from shop_shared.topology import DeployedTopology

if TYPE_CHECKING:
    from conftest import AuthHeaders

pytestmark = pytest.mark.integration

DEADLINE_SECONDS = 20.0


@pytest.fixture
def replica_queue_url(
    local_aws: Any, deployed_topology: DeployedTopology, start_service_process: StartService
) -> Iterator[str]:
    """A second notifications replica (same tables and key) on a queue of its own.

    The session's notifications queue also receives other tests' events on the shared bus, some of them
    poison (fake ciphertexts) that sit invisible for the 60 s visibility timeout; a queue that only this
    test writes to is "drained" exactly when the redelivered event has been handled.
    """
    sqs = boto3.client("sqs")
    name = deployed_topology.name(f"notifications-redelivery-{uuid.uuid4().hex[:8]}")
    queue_url: str = sqs.create_queue(QueueName=name)["QueueUrl"]
    replica = start_service_process("notifications", extra_env={"NOTIFICATIONS_EVENTS_QUEUE": name}, port=free_port())
    try:
        yield queue_url
    finally:
        replica.stop()
        sqs.delete_queue(QueueUrl=queue_url)


def order_created(customer_id: str, ciphertext: str) -> EventEnvelope[OrderCreated]:
    order_id = str(uuid.uuid4())
    return new_envelope(
        OrderCreated(
            order_id=order_id,
            customer_id=customer_id,
            currency="USD",
            total=Decimal("59.90"),
            items=(OrderCreatedLine(sku="SKU-TEE", quantity=2, unit_price=Decimal("29.95")),),
            payment_token="tok_test_visa",
            contact_ciphertext=ciphertext,
        ),
        correlation_id=order_id,
    )


async def publish(events: Any, bus_name: str, envelope: EventEnvelope[Any]) -> None:
    result = await EventBridgePublisher(events, bus_name).publish([envelope])
    assert result.published == [envelope.metadata.event_id], result.failed


async def history(base_url: str, customer_id: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    """The customer's history, read with `headers` (the customer's token)."""
    async with httpx.AsyncClient(base_url=base_url, timeout=5, headers=headers) as client:
        response = await client.get(f"/customers/{customer_id}/notifications")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["customer_id"] == customer_id
    notifications: list[dict[str, Any]] = body["notifications"]
    return notifications


async def wait_until_sent(
    base_url: str, customer_id: str, templates: set[str], headers: dict[str, str]
) -> list[dict[str, Any]]:
    async def all_sent() -> list[dict[str, Any]] | None:
        notifications = await history(base_url, customer_id, headers)
        sent = {item["template"] for item in notifications if item["status"] == "SENT"}
        return notifications if templates <= sent else None

    result: list[dict[str, Any]] = await wait_until(
        all_sent, timeout=DEADLINE_SECONDS, message=f"{sorted(templates)} SENT to {customer_id}"
    )
    return result


async def test_order_and_payment_failure_reach_the_phone_once_even_when_redelivered(
    aws: AwsClients,
    deployed_topology: DeployedTopology,
    notifications_url: str,
    contact_sealer: Any,
    localstack_outbox: Any,
    replica_queue_url: str,
    auth_headers: AuthHeaders,
) -> None:
    customer_id = f"cust-{uuid.uuid4().hex}"
    signed_in = auth_headers(customer_id)
    phone = f"+1555{uuid.uuid4().int % 10**7:07d}"
    created = order_created(customer_id, await contact_sealer.seal({"phone": phone}, customer_id))
    failed = new_envelope(
        PaymentFailed(
            payment_id=f"pay-{uuid.uuid4().hex[:8]}",
            order_id=created.data.order_id,
            customer_id=customer_id,
            amount=created.data.total,
            currency="USD",
            reason_code="card_declined",
        ),
        correlation_id=created.metadata.correlation_id,
        causation_id=str(created.metadata.event_id),
    )

    # payment.failed follows order.created in real life; published at once, both could share one SQS
    # batch and the payment failure would wait a whole visibility timeout for the contact.
    await publish(aws.events, deployed_topology.bus_name, created)
    await wait_until_sent(notifications_url, customer_id, {"order_confirmed"}, signed_in)
    await publish(aws.events, deployed_topology.bus_name, failed)
    notifications = await wait_until_sent(
        notifications_url, customer_id, {"order_confirmed", "payment_failed"}, signed_in
    )

    assert [item["template"] for item in notifications] == ["payment_failed", "order_confirmed"]
    for item in notifications:
        assert item["channel"] == "sms"
        assert item["masked_destination"] == f"{phone[:5]}\u2022\u2022\u2022{phone[-4:]}"
        assert item["sent_at"] is not None
    assert phone not in json.dumps(notifications)
    texts = await localstack_outbox.sms_to(phone)
    assert sorted(texts) == sorted(item["message"] for item in notifications)
    [payment_sms] = [text for text in texts if "update your payment details" in text]
    assert "bank declined the card" in payment_sms

    # A redelivery: the same EventBridge event body straight into a queue, handled by another replica.
    await aws.sqs.send_message(QueueUrl=replica_queue_url, MessageBody=json.dumps(as_eventbridge_event(created)))
    await wait_until_drained(aws.sqs, replica_queue_url, timeout=DEADLINE_SECONDS)

    assert len(await localstack_outbox.sms_to(phone)) == 2
    assert await history(notifications_url, customer_id, signed_in) == notifications


async def test_an_email_contact_gets_email_through_ses_and_the_tier_offer_too(
    aws: AwsClients,
    deployed_topology: DeployedTopology,
    notifications_url: str,
    contact_sealer: Any,
    localstack_outbox: Any,
    auth_headers: AuthHeaders,
) -> None:
    customer_id = f"cust-{uuid.uuid4().hex}"
    signed_in = auth_headers(customer_id)
    address = f"{uuid.uuid4().hex[:12]}@example.com"
    created = order_created(customer_id, await contact_sealer.seal({"email": address}, customer_id))
    tier = new_envelope(
        LoyaltyTierChanged(
            customer_id=customer_id, previous_tier="GOLD", new_tier="PLATINUM", qualifying_points=5400, as_of="2026-01"
        ),
        correlation_id="tier-run-2026-01",
    )

    await publish(aws.events, deployed_topology.bus_name, created)
    await wait_until_sent(notifications_url, customer_id, {"order_confirmed"}, signed_in)
    await publish(aws.events, deployed_topology.bus_name, tier)
    notifications = await wait_until_sent(
        notifications_url, customer_id, {"order_confirmed", "tier_changed"}, signed_in
    )

    assert {item["channel"] for item in notifications} == {"email"}
    assert {item["masked_destination"] for item in notifications} == {f"{address[0]}\u2022\u2022\u2022@example.com"}
    emails = await localstack_outbox.emails_to(address)
    assert len(emails) == 2
    assert {email["Source"] for email in emails} == {deployed_topology.topology.email_sender}
    by_subject = {email["Subject"]: email["Body"]["text_part"] for email in emails}
    short_id = created.data.order_id.replace("-", "")[-8:].upper()
    assert "59.90 USD" in by_subject[f"Your order #{short_id} is confirmed"]
    assert "priority support" in by_subject["Congratulations, you're now PLATINUM"]


async def test_a_history_is_read_only_with_its_customers_valid_token(
    notifications_url: str, auth_headers: AuthHeaders
) -> None:
    owner = f"cust-{uuid.uuid4().hex}"
    genuine = auth_headers(owner)
    token = genuine["Authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, options={"verify_signature": False})
    impostor = TestIssuer(issuer=claims["iss"], audience=claims["aud"], kid=jwt.get_unverified_header(token)["kid"])
    path = f"/customers/{owner}/notifications"
    async with httpx.AsyncClient(base_url=notifications_url, timeout=5) as client:
        answers = {
            "own token": await client.get(path, headers=genuine),
            "no token": await client.get(path),
            "forged": await client.get(path, headers=impostor.bearer(owner)),
            "alg none": await client.get(path, headers={"Authorization": f"Bearer {impostor.mint_unsigned(owner)}"}),
            "another customer": await client.get(path, headers=auth_headers(f"cust-{uuid.uuid4().hex}")),
        }

    assert {what: answer.status_code for what, answer in answers.items()} == {
        "own token": 200,
        "no token": 401,
        "forged": 401,
        "alg none": 401,
        "another customer": 403,
    }
    assert answers["forged"].headers["WWW-Authenticate"] == 'Bearer realm="shop", error="invalid_token"'
    assert answers["another customer"].json()["code"] == "forbidden"
