"""An order.created event on the bus is credited once by the running loyalty service, even when redelivered; the
account is read with the customer's own token only."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

import httpx
import jwt
import pytest
from shop_devtools.processes import ManagedProcess
from shop_devtools.testing.events import as_eventbridge_event, order_created_envelope, wait_until, wait_until_drained
from shop_devtools.testing.fixtures import AwsClients
from shop_devtools.testing.tokens import TestIssuer
from shop_shared.messaging import EventBridgePublisher
from shop_shared.topology import DeployedTopology

if TYPE_CHECKING:
    from conftest import AuthHeaders

pytestmark = pytest.mark.integration

DEADLINE_SECONDS = 20.0


async def _loyalty(
    client: httpx.AsyncClient, customer_id: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    return await client.get(f"/customers/{customer_id}/loyalty", headers=headers)


async def _wait_for_points(
    client: httpx.AsyncClient, customer_id: str, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    async def credited() -> dict[str, Any] | None:
        response = await _loyalty(client, customer_id, headers)
        if response.status_code == 200 and response.json()["points_balance"] > 0:
            body: dict[str, Any] = response.json()
            return body
        return None

    account: dict[str, Any] = await wait_until(
        credited, timeout=DEADLINE_SECONDS, message=f"points credited to {customer_id}"
    )
    return account


async def test_order_is_credited_once_even_when_the_event_is_redelivered(
    loyalty_service: ManagedProcess,
    deployed_topology: DeployedTopology,
    service_ports: dict[str, int],
    aws: AwsClients,
    auth_headers: AuthHeaders,
) -> None:
    customer_id = f"customer-{uuid.uuid4()}"
    envelope = order_created_envelope(customer_id, "1234.56")
    published = await EventBridgePublisher(aws.events, deployed_topology.bus_name).publish([envelope])
    assert published.published == [envelope.metadata.event_id], published.failed

    loyalty_url = f"http://127.0.0.1:{service_ports['loyalty']}"
    async with httpx.AsyncClient(base_url=loyalty_url, timeout=5, headers=auth_headers(customer_id)) as client:
        credited = await _wait_for_points(client, customer_id)
        assert credited["points_balance"] == 1234
        assert credited["qualifying_points"] == 1234
        assert credited["tier"] == "BRONZE"
        assert [credit["order_id"] for credit in credited["recent_credits"]] == [envelope.data.order_id]

        # A redelivery: the same EventBridge event straight into the queue, as SQS would hand it out again.
        queue_url = (await aws.sqs.get_queue_url(QueueName=deployed_topology.name("loyalty-order-events")))["QueueUrl"]
        redelivered = as_eventbridge_event(envelope)
        await aws.sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(redelivered))
        await wait_until_drained(aws.sqs, queue_url, timeout=DEADLINE_SECONDS)

        after = (await _loyalty(client, customer_id)).json()
    assert after["points_balance"] == 1234
    assert after["recent_credits"] == credited["recent_credits"]
    ledger = await aws.dynamodb.get_item(
        TableName=deployed_topology.name("loyalty-ledger"),
        Key={"order_id": {"S": envelope.data.order_id}},
        ConsistentRead=True,
    )
    assert ledger["Item"]["customer_id"] == {"S": customer_id}


async def test_unknown_customer_is_a_404(
    loyalty_service: ManagedProcess, service_ports: dict[str, int], auth_headers: AuthHeaders
) -> None:
    customer_id = f"customer-{uuid.uuid4()}"
    loyalty_url = f"http://127.0.0.1:{service_ports['loyalty']}"
    async with httpx.AsyncClient(base_url=loyalty_url, timeout=5, headers=auth_headers(customer_id)) as client:
        response = await _loyalty(client, customer_id)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"


async def test_an_account_is_read_only_with_its_customers_valid_token(
    loyalty_service: ManagedProcess,
    deployed_topology: DeployedTopology,
    service_ports: dict[str, int],
    aws: AwsClients,
    auth_headers: AuthHeaders,
) -> None:
    owner = f"customer-{uuid.uuid4()}"
    await EventBridgePublisher(aws.events, deployed_topology.bus_name).publish([order_created_envelope(owner, "50")])
    genuine = auth_headers(owner)
    token = genuine["Authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, options={"verify_signature": False})
    impostor = TestIssuer(issuer=claims["iss"], audience=claims["aud"], kid=jwt.get_unverified_header(token)["kid"])
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{service_ports['loyalty']}", timeout=5) as client:
        credited = await _wait_for_points(client, owner, genuine)
        answers = {
            "no token": await client.get(f"/customers/{owner}/loyalty"),
            "forged": await client.get(f"/customers/{owner}/loyalty", headers=impostor.bearer(owner)),
            "alg none": await client.get(
                f"/customers/{owner}/loyalty", headers={"Authorization": f"Bearer {impostor.mint_unsigned(owner)}"}
            ),
            "another customer": await client.get(
                f"/customers/{owner}/loyalty", headers=auth_headers(f"customer-{uuid.uuid4()}")
            ),
        }

    assert credited["points_balance"] == 50
    assert {what: answer.status_code for what, answer in answers.items()} == {
        "no token": 401,
        "forged": 401,
        "alg none": 401,
        "another customer": 403,
    }
    assert all("points_balance" not in answer.text for answer in answers.values())
