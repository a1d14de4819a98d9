"""The provider's HTTP API: `POST /v1/charges` (idempotent by key), `GET /v1/charges`, `GET /health`, and
`GET /sim/stats` (how each charge request was answered: what a test of a fault storm reports).

Test tokens decide the outcome, as real providers' sandboxes do. Faults (latency, 500s, 429s) come
before any charge, so a retried request can never be charged twice.
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
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from shop_devtools.third_party_sim import sim_error

from .settings import ProviderSimSettings

__all__ = ["ChargeLedger", "ChargeRequest", "RequestStats", "create_app"]

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
                "created_at": datetime.now(UTC).isoformat(),
            }
            self.charges.append(charge)
            result = ChargeResult(request, 201, {"charge_id": charge["charge_id"], "status": "succeeded"})
        else:
            decline_code = DECLINE_CODES.get(request.token, "card_declined")
            result = ChargeResult(request, 402, {"status": "declined", "decline_code": decline_code})
        self.results[request.idempotency_key] = result
        return result, False


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
    async def create_charge(request: ChargeRequest) -> JSONResponse:
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
        return JSONResponse(status_code=result.status_code, content=result.body, headers=headers)

    @app.get("/v1/charges")
    async def list_charges(idempotency_key: str | None = None) -> dict[str, list[dict[str, Any]]]:
        charges = [c for c in ledger.charges if idempotency_key is None or c["idempotency_key"] == idempotency_key]
        return {"charges": charges}

    @app.get("/sim/stats")
    async def request_stats() -> dict[str, int]:
        return asdict(stats)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
