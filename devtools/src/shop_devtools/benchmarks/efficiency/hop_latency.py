"""Part 2: order accepted -> loyalty credited, hop by hop, against raw EventBridge -> SQS delivery on the same bus.

Real processes: order, loyalty and the partner simulator at 0 ms. Orders go one at a time (spaced, so the figure
is latency, not queueing). Timestamps read per order (one host clock): POST sent and answered (this process), the
envelope's `occurred_at` (the order accepted: the event is made, then stored and published within the request),
the SentTimestamp of a capture queue fed by a rule on the same bus, the ledger entry's `credited_at` (loyalty),
and the moment GET /customers/{id}/loyalty first shows the credit. The figure is accepted -> credited. The raw
baseline: PutEvents of a marker on the same bus, from the call to the capture queue's long poll receiving it.
The answer to the POST may come after the credit: the request still deletes the outbox entry after publishing.
The capture queue is one of several targets of order.created (payment's API destination, loyalty, notifications);
LocalStack delivers them one after another, so its SentTimestamp can come after loyalty already credited.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from datetime import datetime
from typing import TYPE_CHECKING

import httpx

from shop_devtools.benchmarks.cpu import CpuMeter
from shop_devtools.benchmarks.outbox_capture import capture_queue

from .comparison import Comparison, percentile
from .http_load import CONTACT, order_body
from .stage import Stage, say

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_sqs import SQSClient

__all__ = ["ACCEPTED_TO_CREDITED", "CAPTURE_CAVEAT", "CHAIN", "hop_deltas", "measure_hops"]

GOAL = 2.0
RAW_SOURCE = "bench.efficiency.raw"
# The capture queue gets order's events and the raw markers.
HOPS_PATTERN: dict[str, object] = {"source": ["shop.order", RAW_SOURCE]}
SPACING_SECONDS = 0.3
VISIBLE_POLL_SECONDS = 0.02
VISIBLE_TIMEOUT = 30.0
# The chain of one order, each stamp in epoch seconds; a hop is the time from the previous stamp to its own.
# "envelope occurred_at" is the order's acceptance: the event is made, then stored and published in the request.
CHAIN = ("POST sent", "envelope occurred_at", "on SQS (capture SentTimestamp)", "ledger credited_at", "visible in API")
POST_LATENCY = "POST answered (after POST sent)"
CAPTURE_CAVEAT = (
    "the capture queue is one of four targets of order.created, delivered one after another by LocalStack: "
    "a negative 'on SQS -> credited' means loyalty's copy arrived first"
)
ACCEPTED_TO_CREDITED = "accepted -> credited"


def hop_deltas(stamps: dict[str, float]) -> dict[str, float]:
    """ms of each hop of CHAIN present in `stamps` (after the one before it), of the POST itself, and of
    accepted -> credited, the figure compared with raw delivery. A missing stamp leaves its hops out."""
    deltas: dict[str, float] = {}
    for before, after in itertools.pairwise(CHAIN):
        if before in stamps and after in stamps:
            deltas[f"{before} -> {after}"] = (stamps[after] - stamps[before]) * 1000
    if "POST answered" in stamps:
        deltas[POST_LATENCY] = (stamps["POST answered"] - stamps["POST sent"]) * 1000
    if "envelope occurred_at" in stamps and "ledger credited_at" in stamps:
        deltas[ACCEPTED_TO_CREDITED] = (stamps["ledger credited_at"] - stamps["envelope occurred_at"]) * 1000
    return deltas


async def _one_order(
    client: httpx.AsyncClient, loyalty: httpx.AsyncClient, customer: str, auth: dict[str, str]
) -> tuple[str, dict[str, float]]:
    stamps = {"POST sent": time.time()}
    headers = {"Idempotency-Key": str(uuid.uuid4())} | auth
    answer = await client.post("/orders", json=order_body(customer), headers=headers)
    stamps["POST answered"] = time.time()
    answer.raise_for_status()
    order_id = answer.json()["order_id"]
    deadline = time.monotonic() + VISIBLE_TIMEOUT
    while time.monotonic() < deadline:
        seen = await loyalty.get(f"/customers/{customer}/loyalty", headers=auth)
        if seen.status_code == 200 and any(c["order_id"] == order_id for c in seen.json()["recent_credits"]):
            stamps["visible in API"] = time.time()
            break
        await asyncio.sleep(VISIBLE_POLL_SECONDS)
    return order_id, stamps


async def _orders(stage: Stage, count: int) -> list[tuple[str, dict[str, float]]]:
    async with (
        httpx.AsyncClient(base_url=stage.url("order"), timeout=30) as client,
        httpx.AsyncClient(base_url=stage.url("loyalty"), timeout=30) as loyalty,
    ):
        tokens = stage.tokens()
        customers = [f"hop-{uuid.uuid4().hex[:8]}-{number}" for number in range(count)]
        await asyncio.to_thread(tokens.prepare, dict.fromkeys(customers, CONTACT))  # before the first order
        tasks = []
        for customer in customers:
            tasks.append(asyncio.create_task(_one_order(client, loyalty, customer, tokens.headers(customer, CONTACT))))
            await asyncio.sleep(SPACING_SECONDS)
        return list(await asyncio.gather(*tasks))


def _read_capture(sqs: SQSClient, url: str, wanted: int) -> dict[str, tuple[float, float, float]]:
    """event key (order id or raw marker) -> (SentTimestamp s, occurred_at s, received s)."""
    found: dict[str, tuple[float, float, float]] = {}
    deadline = time.monotonic() + 30
    while len(found) < wanted and time.monotonic() < deadline:
        response = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=2, MessageSystemAttributeNames=["SentTimestamp"]
        )
        received = time.time()
        for message in response.get("Messages", []):
            body = json.loads(message["Body"])
            detail = body["detail"]
            sent = int(message.get("Attributes", {}).get("SentTimestamp", "0")) / 1000
            if body["source"] == RAW_SOURCE:
                found[f"raw:{detail['marker']}"] = (sent, 0.0, received)
            else:
                occurred = datetime.fromisoformat(detail["metadata"]["occurred_at"]).timestamp()
                found[detail["data"]["order_id"]] = (sent, occurred, received)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found


def _raw_deliveries(events: EventBridgeClient, sqs: SQSClient, bus: str, url: str, count: int) -> list[float]:
    """ms from each PutEvents call to the capture queue's long poll returning the marker."""
    latencies = []
    for number in range(count):
        marker = uuid.uuid4().hex
        detail = json.dumps({"marker": marker, "number": number})
        put_at = time.time()
        events.put_events(Entries=[{"EventBusName": bus, "Source": RAW_SOURCE, "DetailType": "raw", "Detail": detail}])
        found = _read_capture(sqs, url, 1)
        if f"raw:{marker}" in found:
            latencies.append((found[f"raw:{marker}"][2] - put_at) * 1000)
    return latencies


def measure_hops(
    stage: Stage, sqs: SQSClient, events: EventBridgeClient, dynamodb: DynamoDBClient, *, orders: int
) -> tuple[Comparison, dict[str, float]]:
    """The comparison, and the p50 ms of each hop."""
    bus = stage.deployed.name("events")
    partner = stage.start("loyalty-partner", {"PARTNER_SIM_LATENCY_MS": "0"})
    processes = [partner, stage.start("loyalty"), stage.start("order")]
    meter = CpuMeter(stage.emulator_pids() | {process.label: process.pid for process in processes})
    try:
        with capture_queue(sqs, events, bus, stage.deployed.name("bench-hops"), HOPS_PATTERN) as url:
            meter.start()
            began = time.perf_counter()
            stamped = asyncio.run(_orders(stage, orders))
            captured = _read_capture(sqs, url, len(stamped))
            raw = _raw_deliveries(events, sqs, bus, url, orders)
            wall = time.perf_counter() - began
            cpu = meter.stop()
    finally:
        stage.stop(*processes)
    ledger = stage.deployed.name("loyalty-ledger")
    per_hop: dict[str, list[float]] = {}
    for order_id, stamps in stamped:
        if order_id in captured:
            stamps["on SQS (capture SentTimestamp)"] = captured[order_id][0]
            stamps["envelope occurred_at"] = captured[order_id][1]
        item = dynamodb.get_item(TableName=ledger, Key={"order_id": {"S": order_id}}).get("Item")
        if item:
            stamps["ledger credited_at"] = datetime.fromisoformat(item["credited_at"]["S"]).timestamp()
        for hop, value in hop_deltas(stamps).items():
            per_hop.setdefault(hop, []).append(value)
    p50 = {hop: percentile(values, 0.5) for hop, values in per_hop.items()}
    credited = len(per_hop.get(ACCEPTED_TO_CREDITED, []))
    say(f"hops: {credited} of {orders} orders credited; raw deliveries {len(raw)} of {orders}")
    comparison = Comparison(
        name="order accepted -> loyalty credited p50",
        unit="ms; raw = PutEvents called -> received from SQS",
        measured=p50.get(ACCEPTED_TO_CREDITED, float("nan")),
        baseline=percentile(raw, 0.5),
        goal=GOAL,
        goal_kind="at_most",
        cpu_seconds=cpu,
        wall_seconds=wall,
        note=f"{orders} orders spaced {SPACING_SECONDS} s; p95 design "
        f"{percentile(per_hop.get(ACCEPTED_TO_CREDITED, []), 0.95):.0f} ms, raw {percentile(raw, 0.95):.0f} ms",
    )
    return comparison, p50
