"""What the OpenAPI document says about each answer of the order API: problems with examples, headers."""

from __future__ import annotations

from typing import Any

from shop_shared.http import problem_example, problem_responses

__all__ = ["CREATED_HEADERS", "IDEMPOTENCY_KEY_REUSED_DETAIL", "LIST_ERRORS", "PLACE_ERRORS", "READ_ERRORS"]

IDEMPOTENCY_KEY_REUSED_DETAIL = (
    "This Idempotency-Key was already used with a different request; use a new key for a new order."
)

_DESCRIPTIONS = {
    404: "No order with this id.",
    413: "The request body is larger than the limit (64 KiB by default). Nothing was read further or stored.",
    422: "The request is not valid; `details` names each offending field. Nothing was stored.",
    503: (
        "A dependency (DynamoDB, KMS) is unavailable; nothing was stored. Retry after `Retry-After` seconds "
        "(with the same Idempotency-Key, a retry can never create a second order)."
    ),
}

_NOT_FOUND = problem_example("Unknown order", 404, "not_found", "No order with this id.")
_PAYLOAD_TOO_LARGE = problem_example(
    "Body too large", 413, "payload_too_large", "The request body is larger than 65536 bytes."
)
_VALIDATION = problem_example(
    "A field is not valid",
    422,
    "validation_error",
    "The request is not valid; see details.",
    [{"field": "items.0.quantity", "message": "Input should be less than or equal to 1000"}],
)
_UNAVAILABLE = problem_example(
    "Dependency down", 503, "unavailable", "The service is temporarily unavailable; retry later."
)
# The 422 cases of particular operations.
_IDEMPOTENCY_KEY_REUSED = problem_example(
    "Idempotency-Key used before with another body", 422, "idempotency_key_reused", IDEMPOTENCY_KEY_REUSED_DETAIL
)
_INVALID_CURSOR = problem_example(
    "Cursor not handed out by this API for this customer",
    422,
    "invalid_cursor",
    "The cursor is not valid for this listing; start again without a cursor.",
)

# `responses=` of each route: every error is a problem (application/problem+json), with named examples.
PLACE_ERRORS = problem_responses(
    413,
    422,
    503,
    descriptions=_DESCRIPTIONS,
    examples={
        413: {"payload_too_large": _PAYLOAD_TOO_LARGE},
        422: {"validation_error": _VALIDATION, "idempotency_key_reused": _IDEMPOTENCY_KEY_REUSED},
        503: {"unavailable": _UNAVAILABLE},
    },
)
LIST_ERRORS = problem_responses(
    422,
    503,
    descriptions=_DESCRIPTIONS,
    examples={
        422: {"validation_error": _VALIDATION, "invalid_cursor": _INVALID_CURSOR},
        503: {"unavailable": _UNAVAILABLE},
    },
)
READ_ERRORS = problem_responses(
    404,
    422,
    503,
    descriptions=_DESCRIPTIONS,
    examples={
        404: {"not_found": _NOT_FOUND},
        422: {"validation_error": _VALIDATION},
        503: {"unavailable": _UNAVAILABLE},
    },
)

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
