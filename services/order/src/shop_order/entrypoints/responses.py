"""What the OpenAPI document says about each answer of the order API: problems with examples, headers."""

from __future__ import annotations

from typing import Any

from shop_shared.auth import FORBIDDEN_DETAIL, auth_responses
from shop_shared.http import problem_example, problem_responses

__all__ = [
    "CONTACT_NOT_VERIFIED_DETAIL",
    "CREATED_HEADERS",
    "IDEMPOTENCY_KEY_REUSED_DETAIL",
    "LIST_ERRORS",
    "NOT_YOURS_DETAIL",
    "PLACE_ERRORS",
    "PLACE_ORDER_DESCRIPTION",
    "RATE_LIMITED_DETAIL",
    "READ_ERRORS",
]

IDEMPOTENCY_KEY_REUSED_DETAIL = (
    "This Idempotency-Key was already used with a different request; use a new key for a new order."
)
RATE_LIMITED_DETAIL = (
    "Too many orders from this customer in a short time; nothing was stored. Retry after Retry-After seconds."
)
NOT_YOURS_DETAIL = "`customer_id` is not the customer of the bearer token: orders are placed only as oneself."
CONTACT_NOT_VERIFIED_DETAIL = (
    "The contact is not one the identity provider verified for this customer: give the token's `email` (verified) "
    "or its `phone_number` (verified). Confirmations only go to the customer's own destinations."
)
PLACE_ORDER_DESCRIPTION = (
    "Places an order as the customer of the bearer token.\n\n"
    "- `customer_id` must be the token's subject, else 403 `forbidden`.\n"
    "- `contact` must be a destination the identity provider verified as the customer's own: the token's `email` "
    "with `email_verified: true`, or its `phone_number` with `phone_number_verified: true`, else 403 "
    "`contact_not_verified`. So the confirmation, and every later message about the order or the customer, goes "
    "only to the customer, never to a number or address someone else typed in (no SMS pumping at the shop's "
    "cost, no hijacking of a victim's notifications).\n\n"
    "Either refusal stores nothing and sends nothing."
)

_DESCRIPTIONS = {
    400: "The body is not JSON (`bad_request`). Nothing was stored.",
    404: "No order with this id (or not one of the token's customer: the answer is the same).",
    413: "The request body is larger than the limit (64 KiB by default). Nothing was read further or stored.",
    422: "The request is not valid; `details` names each offending field. Nothing was stored.",
    429: (
        "The customer placed the most orders one window allows (10 a minute by default, the service's "
        "ORDER_RATE_LIMIT_ORDERS and ORDER_RATE_LIMIT_WINDOW_SECONDS); nothing was stored. Retry after `Retry-After` "
        "seconds, when the window ends. A retry of an order already placed (same Idempotency-Key and body) is "
        "answered with that order, never refused."
    ),
    503: (
        "A dependency (DynamoDB, KMS, the identity provider's keys) is unavailable; nothing was stored. Retry after "
        "`Retry-After` seconds "
        "(with the same Idempotency-Key, a retry can never create a second order)."
    ),
}

_NOT_JSON = problem_example("A body that is not JSON", 400, "bad_request", "There was an error parsing the body")
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
_RATE_LIMITED = problem_example("Too many orders", 429, "rate_limited", RATE_LIMITED_DETAIL)
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

_FORBIDDEN = problem_example("Ordering as someone else", 403, "forbidden", NOT_YOURS_DETAIL)
_CONTACT_NOT_VERIFIED = problem_example(
    "A contact the identity provider did not verify", 403, "contact_not_verified", CONTACT_NOT_VERIFIED_DETAIL
)
_LIST_FORBIDDEN = problem_example("Another customer's orders", 403, "forbidden", FORBIDDEN_DETAIL)

# `responses=` of each route: every error is a problem (application/problem+json), with named examples.
PLACE_ERRORS = auth_responses(
    forbidden="`customer_id` is not the token's subject, or `contact` is not one of its verified contacts. "
    "Nothing was stored.",
    forbidden_examples={"forbidden": _FORBIDDEN, "contact_not_verified": _CONTACT_NOT_VERIFIED},
) | problem_responses(
    400,
    413,
    422,
    429,
    503,
    descriptions=_DESCRIPTIONS,
    examples={
        400: {"bad_request": _NOT_JSON},
        413: {"payload_too_large": _PAYLOAD_TOO_LARGE},
        422: {"validation_error": _VALIDATION, "idempotency_key_reused": _IDEMPOTENCY_KEY_REUSED},
        429: {"rate_limited": _RATE_LIMITED},
        503: {"unavailable": _UNAVAILABLE},
    },
)
PLACE_ERRORS[429]["headers"] = {
    "Retry-After": {
        "description": "Seconds until the customer's rate limit window ends.",
        "schema": {"type": "integer", "minimum": 1},
    }
}
LIST_ERRORS = auth_responses(
    forbidden="`customer_id` is another customer than the token's subject.",
    forbidden_examples={"forbidden": _LIST_FORBIDDEN},
) | problem_responses(
    422,
    503,
    descriptions=_DESCRIPTIONS,
    examples={
        422: {"validation_error": _VALIDATION, "invalid_cursor": _INVALID_CURSOR},
        503: {"unavailable": _UNAVAILABLE},
    },
)
# Another customer's order is a 404, as a missing one: no 403 that would confirm it exists.
READ_ERRORS = auth_responses() | problem_responses(
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
