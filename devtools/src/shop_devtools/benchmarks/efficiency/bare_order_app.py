"""A benchmark fixture, not a deployable: the bare `POST /orders` the order service is measured against.

FastAPI + aioboto3 making the same AWS calls per order as the order service, and nothing else: KMS Encrypt of the
contact, one TransactWriteItems (the order, the idempotency record, the outbox entry, with the same conditions),
PutEvents of order.created, then the outbox entry's delete. No validation models, no domain objects, no metrics,
no logging, and no authentication: it ignores the bearer token the load sends, which the order service verifies
(that verification is part of the design's CPU per order). Runs as a real process on the order service's ORDER_*
variables:
`python -m shop_devtools.benchmarks.efficiency.bare_order_app`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import aioboto3
import uvicorn
from fastapi import FastAPI, Request, Response
from shop_shared.aws.clients import open_client

__all__ = ["create_app", "main"]

IDEMPOTENCY_TTL_SECONDS = 86_400
OUTBOX_SHARDS = 16


def create_app() -> FastAPI:
    bus = os.environ["ORDER_EVENT_BUS_NAME"]
    orders_table = os.environ["ORDER_ORDERS_TABLE"]
    outbox_table = os.environ["ORDER_OUTBOX_TABLE"]
    idempotency_table = os.environ["ORDER_IDEMPOTENCY_TABLE"]
    key_id = os.environ["ORDER_CONTACT_KEY_ID"]
    clients: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            session = aioboto3.Session()
            clients["kms"] = await open_client(stack, session, "kms")
            clients["dynamodb"] = await open_client(stack, session, "dynamodb")
            clients["events"] = await open_client(stack, session, "events")
            yield

    app = FastAPI(lifespan=lifespan)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/orders", status_code=201)
    async def place(request: Request) -> Response:
        raw = await request.body()
        body = json.loads(raw)
        key = request.headers.get("Idempotency-Key") or str(uuid.uuid4())
        encrypted = await clients["kms"].encrypt(
            KeyId=key_id,
            Plaintext=json.dumps(body["contact"]).encode(),
            EncryptionContext={"customer_id": body["customer_id"]},
        )
        ciphertext = base64.b64encode(encrypted["CiphertextBlob"]).decode("ascii")
        order_id, event_id, now = str(uuid.uuid4()), str(uuid.uuid4()), datetime.now(UTC)
        total = sum(Decimal(line["unit_price"]) * line["quantity"] for line in body["items"])
        answer = json.dumps({"order_id": order_id, "status": "PENDING_PAYMENT", "total": str(total)})
        detail = json.dumps(_detail(body, order_id, event_id, now, total, ciphertext))
        stored_ms = int(time.time() * 1000)
        await clients["dynamodb"].transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": orders_table,
                        "Item": _order_item(body, order_id, now, total, ciphertext),
                        "ConditionExpression": "attribute_not_exists(order_id)",
                    }
                },
                {
                    "Put": {
                        "TableName": idempotency_table,
                        "Item": _idempotency_item(key, raw, order_id, answer, now),
                        "ConditionExpression": "attribute_not_exists(idempotency_key) OR expires_at < :now",
                        "ExpressionAttributeValues": {":now": {"N": str(int(now.timestamp()))}},
                    }
                },
                {"Put": {"TableName": outbox_table, "Item": _outbox_item(event_id, detail, stored_ms)}},
            ]
        )
        await clients["events"].put_events(
            Entries=[{"EventBusName": bus, "Source": "shop.order", "DetailType": "order.created", "Detail": detail}]
        )
        await clients["dynamodb"].batch_write_item(
            RequestItems={outbox_table: [{"DeleteRequest": {"Key": {"entry_id": {"S": event_id}}}}]}
        )
        return Response(answer, status_code=201, media_type="application/json")

    return app


def _detail(
    body: dict[str, Any], order_id: str, event_id: str, now: datetime, total: Decimal, ciphertext: str
) -> dict[str, Any]:
    metadata = {
        "event_id": event_id,
        "event_type": "order.created",
        "event_version": 1,
        "occurred_at": now.isoformat(),
        "source": "shop.order",
        "correlation_id": order_id,
    }
    data = {
        "order_id": order_id,
        "customer_id": body["customer_id"],
        "currency": body["currency"],
        "total": str(total),
        "items": body["items"],
        "payment_token": body["payment_token"],
        "contact_ciphertext": ciphertext,
    }
    return {"metadata": metadata, "data": data}


def _order_item(body: dict[str, Any], order_id: str, now: datetime, total: Decimal, ciphertext: str) -> dict[str, Any]:
    at = now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    lines = [
        {
            "M": {
                "sku": {"S": line["sku"]},
                "quantity": {"N": str(line["quantity"])},
                "unit_price": {"S": line["unit_price"]},
            }
        }
        for line in body["items"]
    ]
    return {
        "order_id": {"S": order_id},
        "customer_id": {"S": body["customer_id"]},
        "currency": {"S": body["currency"]},
        "items": {"L": lines},
        "total": {"S": str(total)},
        "status": {"S": "PENDING_PAYMENT"},
        "contact_ciphertext": {"S": ciphertext},
        "created_at": {"S": at},
        "updated_at": {"S": at},
        "status_history": {"L": [{"M": {"status": {"S": "PENDING_PAYMENT"}, "at": {"S": at}}}]},
    }


def _idempotency_item(key: str, raw: bytes, order_id: str, answer: str, now: datetime) -> dict[str, Any]:
    return {
        "idempotency_key": {"S": key},
        "request_hash": {"S": hashlib.sha256(raw).hexdigest()},
        "order_id": {"S": order_id},
        "response_status": {"N": "201"},
        "response_body": {"S": answer},
        "created_at": {"S": now.isoformat()},
        "expires_at": {"N": str(int(now.timestamp()) + IDEMPOTENCY_TTL_SECONDS)},
    }


def _outbox_item(event_id: str, detail: str, stored_ms: int) -> dict[str, Any]:
    return {
        "entry_id": {"S": event_id},
        "event_type": {"S": "order.created"},
        "detail": {"S": detail},
        "stored_at": {"N": str(stored_ms)},
        "shard": {"S": str(int(hashlib.sha256(event_id.encode()).hexdigest(), 16) % OUTBOX_SHARDS)},
        "pending_at": {"S": f"{stored_ms:015d}"},
        "attempts": {"N": "0"},
    }


def main() -> None:
    host = os.environ.get("ORDER_HOST", "127.0.0.1")
    uvicorn.run(create_app(), host=host, port=int(os.environ["ORDER_PORT"]), access_log=False, log_level="warning")


if __name__ == "__main__":
    main()
