"""Integration helpers: contacts encrypted with the real KMS key, LocalStack's SMS and e-mail outboxes,
the notifications service as a real process, and customers' tokens to read it with."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from typing import Any

import aioboto3
import httpx
import pytest
from shop_devtools.dev_issuer import DevIssuerClient, bearer
from shop_devtools.testing.fixtures import StartService
from shop_shared.contracts import contact_encryption_context
from shop_shared.topology import DeployedTopology


class ContactSealer:
    """Encrypts a contact the way the order service does: KMS, the contact key, the customer's context.

    Takes a plain dict rather than a Contact, so a test can seal what the shared rules refuse.
    """

    def __init__(self, key_alias: str) -> None:
        self.key_alias = key_alias

    async def seal(self, contact: dict[str, str], customer_id: str) -> str:
        async with aioboto3.Session().client("kms") as kms:
            response = await kms.encrypt(
                KeyId=self.key_alias,
                Plaintext=json.dumps(contact).encode(),
                EncryptionContext=contact_encryption_context(customer_id),
            )
        return base64.b64encode(response["CiphertextBlob"]).decode()


class LocalStackOutbox:
    """What LocalStack "delivered": SMS at /_aws/sns/sms-messages, e-mail at /_aws/ses."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint.rstrip("/")

    async def sms_to(self, phone: str) -> list[str]:
        async with httpx.AsyncClient(timeout=5) as client:
            body = (await client.get(f"{self.endpoint}/_aws/sns/sms-messages")).json()
        # {"sms_messages": {"+1555...": [{"PhoneNumber", "Message", "MessageId", ...}]}, "region": ...}
        return [message["Message"] for message in body["sms_messages"].get(phone, [])]

    async def emails_to(self, address: str) -> list[dict[str, Any]]:
        async with httpx.AsyncClient(timeout=5) as client:
            body = (await client.get(f"{self.endpoint}/_aws/ses")).json()
        # {"messages": [{"Id", "Source", "Destination": {"ToAddresses"}, "Subject", "Body": {"text_part"}, ...}]}
        return [message for message in body["messages"] if address in message["Destination"].get("ToAddresses", [])]


@pytest.fixture(scope="module")
def contact_sealer(deployed_topology: DeployedTopology) -> ContactSealer:
    return ContactSealer(deployed_topology.kms_alias("customer-contact"))


@pytest.fixture(scope="module")
def localstack_outbox(local_aws: Any) -> LocalStackOutbox:
    return LocalStackOutbox(os.environ["AWS_ENDPOINT_URL"])


@pytest.fixture(scope="module")
def notifications_url(start_service_process: StartService, service_ports: dict[str, int]) -> str:
    """The notifications service of this session (the fixture reuses a running one of the same configuration)."""
    start_service_process("notifications")
    return f"http://127.0.0.1:{service_ports['notifications']}"


AuthHeaders = Callable[[str], dict[str, str]]


@pytest.fixture(scope="module")
def auth_headers(dev_issuer: DevIssuerClient) -> AuthHeaders:
    """`auth_headers(customer_id)`: a bearer token of the customer from the dev issuer the service trusts."""

    def headers(customer_id: str) -> dict[str, str]:
        return bearer(dev_issuer.mint(customer_id))

    return headers
