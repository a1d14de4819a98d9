"""Reading every source of truth the checker reconciles: the services' tables and APIs, the queues, the
simulated third parties. Reads only; what the readings must satisfy is in invariants.py. The services' APIs
are read as each customer, with the customer's token (customer -> token in `tokens`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import httpx
from boto3.dynamodb.types import TypeDeserializer
from shop_shared.topology import DeployedTopology

from shop_devtools.dev_issuer import bearer

from .invariants import NotificationRow, OrderRow, SentMessage

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient

__all__ = [
    "CONSUMER_QUEUES",
    "OUTBOX_TABLES",
    "charges",
    "dlq_messages",
    "loyalty_points",
    "notifications",
    "orders",
    "outbox_events",
    "partner_points",
    "payments_by_order",
    "queue_backlog",
    "sent_messages",
]

CONSUMER_QUEUES = ("loyalty-order-events", "notifications-events", "order-payment-outcomes")
OUTBOX_TABLES = ("order-outbox", "payment-outbox", "loyalty-outbox")
_DESERIALIZER = TypeDeserializer()
# Per-customer API reads run this many at a time: 2,000 customers one after another took over 15 minutes.
READERS = 8


def _per_customer[T](customers: Iterable[str], read: Callable[[str], T]) -> dict[str, T]:
    """`read(customer)` for every customer, READERS at a time (httpx.Client is safe to share between threads)."""
    ordered = list(customers)
    with ThreadPoolExecutor(READERS) as pool:
        return dict(zip(ordered, pool.map(read, ordered), strict=True))


def _scan(dynamodb: DynamoDBClient, table: str, attributes: Iterable[str]) -> list[dict[str, Any]]:
    names = {f"#a{n}": name for n, name in enumerate(attributes)}
    items: list[dict[str, Any]] = []
    for page in dynamodb.get_paginator("scan").paginate(
        TableName=table, ProjectionExpression=", ".join(names), ExpressionAttributeNames=names, ConsistentRead=True
    ):
        items.extend({k: _DESERIALIZER.deserialize(v) for k, v in item.items()} for item in page.get("Items", []))
    return items


def orders(dynamodb: DynamoDBClient, deployed: DeployedTopology) -> dict[str, OrderRow]:
    rows = _scan(dynamodb, deployed.name("orders"), ("order_id", "customer_id", "status", "total"))
    return {
        str(row["order_id"]): OrderRow(str(row["customer_id"]), str(row["status"]), Decimal(str(row["total"])))
        for row in rows
    }


def payments_by_order(dynamodb: DynamoDBClient, deployed: DeployedTopology) -> dict[str, list[str]]:
    """Each order's payment statuses (one payment per order.created event accepted)."""
    found: dict[str, list[str]] = {}
    for row in _scan(dynamodb, deployed.name("payments"), ("order_id", "status")):
        found.setdefault(str(row.get("order_id")), []).append(str(row.get("status")))
    return found


def outbox_events(dynamodb: DynamoDBClient, deployed: DeployedTopology) -> dict[str, int]:
    """Events still waiting in each outbox; the relays' coordination items (`#relays`, `#shard:<n>`) are not events."""
    return {
        key: sum(
            page["Count"]
            for page in dynamodb.get_paginator("scan").paginate(
                TableName=deployed.name(key), Select="COUNT", FilterExpression="attribute_exists(event_type)"
            )
        )
        for key in OUTBOX_TABLES
    }


def queue_backlog(sqs: SQSClient, deployed: DeployedTopology) -> dict[str, int]:
    """Messages visible or in flight in each consumer queue."""
    backlog = {}
    for key in CONSUMER_QUEUES:
        url = sqs.get_queue_url(QueueName=deployed.name(key))["QueueUrl"]
        values = sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        backlog[key] = sum(int(value) for value in values.values())
    return backlog


def dlq_messages(sqs: SQSClient, deployed: DeployedTopology) -> dict[str, list[str]]:
    """Each DLQ's messages (bodies, first 300 characters), read without deleting them."""
    found: dict[str, list[str]] = {}
    for key in CONSUMER_QUEUES:
        url = sqs.get_queue_url(QueueName=deployed.name(f"{key}-dlq"))["QueueUrl"]
        count = int(
            sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"][
                "ApproximateNumberOfMessages"
            ]
        )
        bodies: list[str] = []
        if count:
            response = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
            bodies = [message["Body"][:300] for message in response.get("Messages", [])]
            bodies += [f"... {count - len(bodies)} more"] if count > len(bodies) else []
        found[key] = bodies
    return found


def charges(client: httpx.Client, provider_url: str) -> list[dict[str, Any]]:
    """Every charge the simulated provider made."""
    response = client.get(f"{provider_url}/v1/charges")
    response.raise_for_status()
    found: list[dict[str, Any]] = response.json()["charges"]
    return found


def loyalty_points(client: httpx.Client, loyalty_url: str, tokens: Mapping[str, str]) -> dict[str, int]:
    """Each customer's balance as loyalty's API shows it to them (0 for a customer it does not know)."""

    def balance(customer: str) -> int:
        response = client.get(f"{loyalty_url}/customers/{customer}/loyalty", headers=bearer(tokens[customer]))
        if response.status_code == 404:
            return 0
        response.raise_for_status()
        return int(response.json()["points_balance"])

    return _per_customer(tokens, balance)


def partner_points(client: httpx.Client, partner_url: str, customers: Iterable[str]) -> dict[str, int]:
    """Each customer's points as the partner was told: its credits less its reversals."""

    def told(customer: str) -> int:
        points = 0
        for kind, sign in (("credits", 1), ("reversals", -1)):
            response = client.get(f"{partner_url}/v1/{kind}", params={"customer_id": customer})
            response.raise_for_status()
            points += sign * sum(int(entry["points"]) for entry in response.json()[kind])
        return points

    return _per_customer(customers, told)


def notifications(client: httpx.Client, notifications_url: str, tokens: Mapping[str, str]) -> list[NotificationRow]:
    def history(customer: str) -> list[NotificationRow]:
        response = client.get(
            f"{notifications_url}/customers/{customer}/notifications", headers=bearer(tokens[customer])
        )
        response.raise_for_status()
        return [
            NotificationRow(customer, str(n["event_id"]), str(n["template"]), str(n["status"]), str(n["message"]))
            for n in response.json()["notifications"]
        ]

    return [row for rows in _per_customer(tokens, history).values() for row in rows]


def sent_messages(client: httpx.Client, localstack_url: str, region: str) -> list[SentMessage]:
    """What LocalStack actually sent: e-mails (GET /_aws/ses) and SMS (GET /_aws/sns/sms-messages, per region)."""
    emails = client.get(f"{localstack_url}/_aws/ses")
    emails.raise_for_status()
    sent = [
        SentMessage(address, str((m.get("Body") or {}).get("text_part") or ""))
        for m in emails.json()["messages"]
        for address in (m.get("Destination") or {}).get("ToAddresses", [])
    ]
    sms = client.get(f"{localstack_url}/_aws/sns/sms-messages", params={"region": region})
    sms.raise_for_status()
    sent += [
        SentMessage(str(phone), str(m.get("Message") or ""))
        for phone, messages in sms.json()["sms_messages"].items()
        for m in messages
    ]
    return sent
