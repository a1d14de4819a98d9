"""What the OpenAPI document says about each answer of the order API: errors with examples, headers."""

from __future__ import annotations

from typing import Any

from shop_shared.http import ErrorResponse

__all__ = ["CREATED_HEADERS", "errors"]


def _example(summary: str, code: str, message: str, details: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"summary": summary, "value": {"error": {"code": code, "message": message, "details": details or []}}}


_VALIDATION = _example(
    "A field is not valid",
    "validation_error",
    "The request is not valid; see details.",
    [{"field": "items.0.quantity", "message": "Input should be less than or equal to 1000"}],
)

# Status -> (description, examples by name).
_ERRORS: dict[int, tuple[str, dict[str, dict[str, Any]]]] = {
    404: ("No order with this id.", {"not_found": _example("Unknown order", "not_found", "No order with this id.")}),
    413: (
        "The request body is larger than the limit (64 KiB by default). Nothing was read further or stored.",
        {
            "payload_too_large": _example(
                "Body too large", "payload_too_large", "The request body is larger than 65536 bytes."
            )
        },
    ),
    422: (
        "The request is not valid; `details` names each offending field. Nothing was stored.",
        {"validation_error": _VALIDATION},
    ),
    503: (
        "A dependency (DynamoDB, KMS) is unavailable; nothing was stored. Retry after `Retry-After` seconds "
        "(with the same Idempotency-Key, a retry can never create a second order).",
        {
            "unavailable": _example(
                "Dependency down", "unavailable", "The service is temporarily unavailable; retry later."
            )
        },
    ),
}

# Extra 422 cases of particular operations.
IDEMPOTENCY_KEY_REUSED = _example(
    "Idempotency-Key used before with another body",
    "idempotency_key_reused",
    "This Idempotency-Key was already used with a different request; use a new key for a new order.",
)
INVALID_CURSOR = _example(
    "Cursor not handed out by this API for this customer",
    "invalid_cursor",
    "The cursor is not valid for this listing; start again without a cursor.",
)


def errors(*codes: int, extra_422: dict[str, dict[str, Any]] | None = None) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: the shared error shape with a description and examples per status."""
    documented: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        description, examples = _ERRORS[code]
        if code == 422 and extra_422:
            examples = {**examples, **extra_422}
        documented[code] = {
            "model": ErrorResponse,
            "description": description,
            "content": {"application/json": {"examples": examples}},
        }
    return documented


CREATED_HEADERS: dict[str, dict[str, Any]] = {
    "Location": {"description": "Path of the order: `/orders/{order_id}`.", "schema": {"type": "string"}},
    "X-Correlation-Id": {
        "description": "The request's X-Correlation-Id, or the order id when none was sent.",
        "schema": {"type": "string"},
    },
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored answer to an earlier request with the same Idempotency-Key "
        "(no new order was created); absent otherwise.",
        "schema": {"type": "string", "enum": ["true"]},
    },
}
