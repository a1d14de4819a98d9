"""The partner's HTTP API: `POST /v1/credits` (idempotent by order_id), `GET /v1/credits?customer_id=`,
`POST /v1/reversals` (takes a credit back; idempotent by order_id; the credit must be known),
`GET /v1/reversals?customer_id=`, `GET /health`, and `GET /sim/stats` (how the requests were answered).

Faults (latency, 500s) come before anything is recorded, so a retried request is never counted twice.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from shop_devtools.third_party_sim import sim_error

from .settings import PartnerSimSettings

__all__ = ["CreditBook", "CreditRequest", "PartnerStats", "create_app"]

logger = logging.getLogger(__name__)


class CreditRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    customer_id: str = Field(min_length=1, max_length=128)
    order_id: str = Field(min_length=1, max_length=128)
    points: int = Field(ge=0)


@dataclass
class CreditBook:
    """In-memory state of the partner: one credit per order, in the order they were first told."""

    credits: dict[str, dict[str, Any]] = field(default_factory=dict)
    reversals: dict[str, dict[str, Any]] = field(default_factory=dict)

    def record(self, request: CreditRequest) -> tuple[dict[str, Any], bool]:
        """The credit for the order, recorded now unless known; returns (credit, replayed).

        Must not await: check and record happen in one step of the event loop.
        """
        known = self.credits.get(request.order_id)
        if known is not None:
            return known, True
        credit = {
            "credit_id": f"cr_{uuid.uuid4().hex[:24]}",
            **request.model_dump(),
            "status": "accepted",
            "received_at": datetime.now(UTC).isoformat(),
        }
        self.credits[request.order_id] = credit
        return credit, False

    def record_reversal(self, request: CreditRequest) -> tuple[dict[str, Any], bool]:
        """The reversal of the order's credit, recorded now unless known; returns (reversal, replayed)."""
        known = self.reversals.get(request.order_id)
        if known is not None:
            return known, True
        reversal = {
            "reversal_id": f"rv_{uuid.uuid4().hex[:24]}",
            "credit_id": self.credits[request.order_id]["credit_id"],
            **request.model_dump(),
            "status": "accepted",
            "received_at": datetime.now(UTC).isoformat(),
        }
        self.reversals[request.order_id] = reversal
        return reversal, False


@dataclass
class PartnerStats:
    requests: int = 0
    errors: int = 0  # 500, injected
    accepted: int = 0  # 201, first time an order was told
    replayed: int = 0  # 200, the same order told again
    conflicts: int = 0  # 409, an order told again with other values
    reversals_accepted: int = 0  # 201, first time an order's credit was taken back
    reversals_replayed: int = 0  # 200, the same reversal told again
    unknown_credits: int = 0  # 404, a reversal of a credit never told


def create_app(settings: PartnerSimSettings | None = None) -> FastAPI:
    settings = settings or PartnerSimSettings()
    book = CreditBook()
    stats = PartnerStats()
    faults = random.Random(settings.seed)
    app = FastAPI(title="Simulated loyalty partner", version="1")
    app.state.book = book
    app.state.stats = stats

    @app.post("/v1/credits")
    async def report_credit(request: CreditRequest) -> JSONResponse:
        await asyncio.sleep(settings.latency_ms / 1000)
        stats.requests += 1
        if faults.random() < settings.error_rate:
            stats.errors += 1
            return sim_error(500, "api_error", "simulated partner failure")
        known = book.credits.get(request.order_id)
        if known is not None and (known["customer_id"], known["points"]) != (request.customer_id, request.points):
            stats.conflicts += 1
            return sim_error(409, "order_reused", "the order was reported with other values")
        credit, replayed = book.record(request)
        if replayed:
            stats.replayed += 1
        else:
            stats.accepted += 1
        logger.info("credit answered", extra={"order_id": request.order_id, "replayed": replayed})
        return JSONResponse(status_code=200 if replayed else 201, content=credit)

    @app.post("/v1/reversals")
    async def report_reversal(request: CreditRequest) -> JSONResponse:
        await asyncio.sleep(settings.latency_ms / 1000)
        stats.requests += 1
        if faults.random() < settings.error_rate:
            stats.errors += 1
            return sim_error(500, "api_error", "simulated partner failure")
        credit = book.credits.get(request.order_id)
        if credit is None:
            stats.unknown_credits += 1
            return sim_error(404, "credit_not_found", "no credit was reported for the order")
        # A reversal takes back exactly the credit: anything else is refused.
        if (request.customer_id, request.points) != (credit["customer_id"], credit["points"]):
            stats.conflicts += 1
            return sim_error(409, "order_reused", "the reversal does not match the order's credit")
        reversal, replayed = book.record_reversal(request)
        if replayed:
            stats.reversals_replayed += 1
        else:
            stats.reversals_accepted += 1
        logger.info("reversal answered", extra={"order_id": request.order_id, "replayed": replayed})
        return JSONResponse(status_code=200 if replayed else 201, content=reversal)

    @app.get("/v1/reversals")
    async def list_reversals(customer_id: str = Query(min_length=1)) -> dict[str, list[dict[str, Any]]]:
        return {"reversals": [r for r in book.reversals.values() if r["customer_id"] == customer_id]}

    @app.get("/v1/credits")
    async def list_credits(customer_id: str = Query(min_length=1)) -> dict[str, list[dict[str, Any]]]:
        return {"credits": [c for c in book.credits.values() if c["customer_id"] == customer_id]}

    @app.get("/sim/stats")
    async def request_stats() -> dict[str, int]:
        return asdict(stats)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
