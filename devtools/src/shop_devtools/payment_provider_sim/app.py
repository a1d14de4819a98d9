"""The provider's HTTP API: `POST /v1/charges` (idempotent by key), `GET /v1/charges?idempotency_key=|order_id=`,
`POST /v1/refunds` (idempotent by key), `GET /health`, and `GET /sim/stats` (how each request was answered:
what a test of a fault storm reports).

Test tokens decide the outcome, as real providers' sandboxes do. Most faults (500s, 429s) come before any
charge. One does not: `timeout_after_charge_rate` takes the money and then answers only after the client has
given up (or drops the connection), the answer a real provider gives when its response is lost on the way.
While a request with a key is being processed (including that late answer), another request with the same key
gets 409, as real providers answer concurrent requests with one idempotency key.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.types import Receive, Scope, Send

from shop_devtools.third_party_sim import sim_error

from .settings import ProviderSimSettings

__all__ = ["ChargeLedger", "ChargeRequest", "RefundRequest", "RequestStats", "create_app"]

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 1
DECLINE_CODES = {
    "tok_declined": "card_declined",
    "tok_insufficient_funds": "insufficient_funds",
    "tok_expired": "card_expired",
}
SUCCESS_TOKEN = "tok_success"  # noqa: S105  (a public test token, not a secret)


class ChargeRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    amount: Decimal = Field(gt=0)
    currency: str = Field(min_length=3, max_length=3)
    token: str = Field(min_length=1, max_length=255)
    idempotency_key: str = Field(min_length=1, max_length=255)
    # Free-form labels kept with the charge (the shop sends its order id), as real providers' metadata.
    metadata: dict[str, str] = Field(default_factory=dict, max_length=20)


class RefundRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    charge_id: str = Field(min_length=1, max_length=255)
    idempotency_key: str = Field(min_length=1, max_length=255)


@dataclass(frozen=True)
class ChargeResult:
    """The first answer given for an idempotency key, replayed for every later request with that key."""

    request: ChargeRequest
    status_code: int
    body: dict[str, Any]


@dataclass
class ChargeLedger:
    """In-memory state of the provider: one result per idempotency key, and the money really taken."""

    results: dict[str, ChargeResult] = field(default_factory=dict)
    charges: list[dict[str, Any]] = field(default_factory=list)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)  # by the refund's idempotency key
    in_flight: set[str] = field(default_factory=set)  # keys whose request is being processed

    def charge(self, request: ChargeRequest) -> tuple[ChargeResult, bool]:
        """Decide and record the outcome once per key; returns (result, replayed).

        Must not await: check and record happen in one step of the event loop, so concurrent
        requests with one key cannot both charge.
        """
        previous = self.results.get(request.idempotency_key)
        if previous is not None:
            return previous, True
        if request.token == SUCCESS_TOKEN:
            charge = {
                "charge_id": f"ch_{uuid.uuid4().hex[:24]}",
                "idempotency_key": request.idempotency_key,
                "amount": str(request.amount),
                "currency": request.currency,
                "status": "succeeded",
                "metadata": dict(request.metadata),
                "refunded": False,
                "created_at": datetime.now(UTC).isoformat(),
            }
            self.charges.append(charge)
            result = ChargeResult(request, 201, {"charge_id": charge["charge_id"], "status": "succeeded"})
        else:
            decline_code = DECLINE_CODES.get(request.token, "card_declined")
            result = ChargeResult(request, 402, {"status": "declined", "decline_code": decline_code})
        self.results[request.idempotency_key] = result
        return result, False

    def refund(self, request: RefundRequest) -> dict[str, Any] | None:
        """The refund for this key (made once); None when there is no such charge."""
        previous = self.refunds.get(request.idempotency_key)
        if previous is not None:
            return previous
        charge = next((c for c in self.charges if c["charge_id"] == request.charge_id), None)
        if charge is None:
            return None
        charge["refunded"] = True
        refund = {"refund_id": f"re_{uuid.uuid4().hex[:24]}", "charge_id": charge["charge_id"], "status": "succeeded"}
        self.refunds[request.idempotency_key] = refund
        return refund


class DroppedConnection(Response):
    """Starts the answer, then fails: the server closes the connection and the client never gets a status."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 201, "headers": [(b"content-length", b"100")]})
        raise ConnectionAbortedError("simulated: the connection dropped after the charge")


@dataclass
class RequestStats:
    """How the charge requests were answered, counted as they are answered."""

    requests: int = 0
    rate_limited: int = 0  # 429
    errors: int = 0  # 500
    succeeded: int = 0  # 201, first answers
    declined: int = 0  # 402, first answers
    replayed: int = 0  # the first answer given again for a known key
    conflicts: int = 0  # 409, a key reused with other parameters
    in_flight_conflicts: int = 0  # 409, a request whose key is still being processed
    answered_late: int = 0  # charged, then answered only after the client's timeout
    dropped: int = 0  # charged, then the connection closed without an answer
    refunds: int = 0

    def count(self, result: ChargeResult, replayed: bool) -> None:
        if replayed:
            self.replayed += 1
        elif result.status_code == 201:
            self.succeeded += 1
        else:
            self.declined += 1


def create_app(settings: ProviderSimSettings | None = None) -> FastAPI:
    settings = settings or ProviderSimSettings()
    ledger = ChargeLedger()
    stats = RequestStats()
    faults = random.Random(settings.seed)
    app = FastAPI(title="Simulated payment provider", version="1")
    app.state.ledger = ledger
    app.state.stats = stats

    @app.post("/v1/charges")
    async def create_charge(request: ChargeRequest) -> Response:
        key = request.idempotency_key
        if key in ledger.in_flight:
            stats.requests += 1
            stats.in_flight_conflicts += 1
            return sim_error(409, "idempotency_key_in_use", "a request with this key is still being processed")
        ledger.in_flight.add(key)
        try:
            return await _answer_charge(request)
        finally:
            ledger.in_flight.discard(key)

    async def _answer_charge(request: ChargeRequest) -> Response:
        await asyncio.sleep(settings.latency_ms / 1000)
        stats.requests += 1
        # One draw per request keeps a seeded run reproducible whatever the rates are.
        roll = faults.random()
        if roll < settings.rate_limit_rate:
            stats.rate_limited += 1
            return sim_error(429, "rate_limited", "too many requests", {"Retry-After": str(RETRY_AFTER_SECONDS)})
        if roll < settings.rate_limit_rate + settings.error_rate:
            stats.errors += 1
            return sim_error(500, "api_error", "simulated provider failure")
        previous = ledger.results.get(request.idempotency_key)
        if previous is not None and previous.request != request:
            stats.conflicts += 1
            return sim_error(409, "idempotency_key_reused", "the key was used with different parameters")
        result, replayed = ledger.charge(request)
        stats.count(result, replayed)
        logger.info(
            "charge answered",
            extra={"idempotency_key": request.idempotency_key, "status_code": result.status_code, "replayed": replayed},
        )
        headers = {"Idempotent-Replayed": "true"} if replayed else None
        response = JSONResponse(status_code=result.status_code, content=result.body, headers=headers)
        if not replayed and result.status_code == 201 and faults.random() < settings.timeout_after_charge_rate:
            # The money is taken; the answer is lost. Either it comes after the client gave up, or never.
            if faults.random() < settings.drop_share:
                stats.dropped += 1
                return DroppedConnection()
            stats.answered_late += 1
            await asyncio.sleep(settings.late_answer_ms / 1000)
        return response

    @app.get("/v1/charges")
    async def list_charges(
        idempotency_key: str | None = None, order_id: str | None = None
    ) -> dict[str, list[dict[str, Any]]]:
        charges = [
            c
            for c in ledger.charges
            if (idempotency_key is None or c["idempotency_key"] == idempotency_key)
            and (order_id is None or c["metadata"].get("order_id") == order_id)
        ]
        return {"charges": charges}

    @app.post("/v1/refunds")
    async def create_refund(request: RefundRequest) -> JSONResponse:
        await asyncio.sleep(settings.latency_ms / 1000)
        refund = ledger.refund(request)
        if refund is None:
            return sim_error(404, "resource_missing", "no such charge")
        stats.refunds = len(ledger.refunds)
        return JSONResponse(status_code=201, content=refund)

    @app.get("/sim/stats")
    async def request_stats() -> dict[str, int]:
        return asdict(stats)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
