"""Idempotency keys: a retried `POST /orders` gets the first answer back instead of a second order."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from .commands import PlaceOrder

__all__ = ["IDEMPOTENCY_KEY_PATTERN", "IdempotencyRecord", "StoredResponse", "request_fingerprint"]

IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9._:-]{1,128}$"


def request_fingerprint(command: PlaceOrder) -> str:
    """SHA-256 of the validated command as sorted-keys JSON: the same order however the client formatted it.

    Validation has already normalised it (prices to two places, "5" and 5 alike), so two bodies that
    mean the same order give the same fingerprint; the hash is one-way, so contacts are not kept here.
    """
    canonical = json.dumps(command.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class StoredResponse(BaseModel):
    """The answer given to the first request with a key, replayed as is to its retries."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: int = Field(ge=100, le=599)
    body: str = Field(description="The JSON body, exactly as first sent.")


class IdempotencyRecord(BaseModel):
    """What a key is bound to: the request it came with, the order it created and the answer given."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    idempotency_key: str = Field(pattern=IDEMPOTENCY_KEY_PATTERN)
    request_hash: str = Field(min_length=64, max_length=64)
    order_id: str
    response: StoredResponse
    created_at: AwareDatetime
    expires_at: int = Field(description="Epoch seconds after which the key is free again (the table's TTL).")

    @classmethod
    def bind(
        cls, key: str, *, request_hash: str, order_id: str, response: StoredResponse, at: datetime, ttl: timedelta
    ) -> IdempotencyRecord:
        return cls(
            idempotency_key=key,
            request_hash=request_hash,
            order_id=order_id,
            response=response,
            created_at=at,
            expires_at=int((at + ttl).timestamp()),
        )

    def is_expired(self, now: datetime) -> bool:
        # The same rule as the write's condition `expires_at < :now`: TTL deletion is lazy, so a
        # record past its time may still be read and must count as gone.
        return self.expires_at < int(now.timestamp())

    def replays(self, request_hash: str) -> bool:
        """True when a retry carries the same request; another body under the same key is a client bug."""
        return self.request_hash == request_hash
