"""One error shape for every HTTP API: RFC 9457 problem details, `application/problem+json`, never a 5xx for bad input.

    {"type": "about:blank", "title": "Unprocessable Content", "status": 422,
     "detail": "The request is not valid; see details.", "instance": "/orders",
     "code": "validation_error", "details": [{"field": "items.0.quantity", "message": "..."}]}

`type` is `about:blank`, so `title` is the status's phrase; the extension member `code` names the problem for
programs (`validation_error`, `not_found`, `idempotency_key_reused`...) and `details` lists the offending fields.
Unexpected errors answer 500 `internal_error` and outages of a dependency 503 `unavailable` with `Retry-After`;
neither says anything about the internals.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from shop_shared.aws.errors import is_aws_outage
from shop_shared.exceptions import DependencyUnavailable

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "ApiError",
    "Problem",
    "ProblemField",
    "document_problems",
    "install_problem_handlers",
    "problem_example",
    "problem_response",
    "problem_responses",
]

logger = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
RETRY_AFTER_SECONDS = "1"

# The `code` of a problem raised by the framework itself (routing, methods, content types), by status.
_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


class ProblemField(BaseModel):
    field: str = Field(examples=["items.0.quantity"])
    message: str = Field(examples=["Input should be less than or equal to 1000"])


class Problem(BaseModel):
    """The body of every 4xx and 5xx answer (RFC 9457), with `code` and `details` as extension members."""

    type: str = Field(default="about:blank", description="Always `about:blank`: `code` identifies the problem.")
    title: str = Field(description="The HTTP status phrase.", examples=["Unprocessable Content"])
    status: int = Field(ge=400, le=599, examples=[422])
    detail: str = Field(description="What went wrong, for a person.", examples=["The request is not valid."])
    instance: str | None = Field(default=None, description="The path of the request.", examples=["/orders"])
    code: str = Field(description="What went wrong, for a program.", examples=["validation_error"])
    details: list[ProblemField] = Field(default_factory=list, description="The offending fields, if any.")


class ApiError(Exception):
    """Raise from a route or handler to answer with `status` and the problem shape (and `headers`, if any)."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        details: list[ProblemField] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.details = details or []
        self.headers = dict(headers or {})


def problem_response(
    status: int,
    code: str,
    detail: str,
    *,
    details: list[ProblemField] | None = None,
    headers: Mapping[str, str] | None = None,
    instance: str | None = None,
) -> JSONResponse:
    body = Problem(
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=instance,
        code=code,
        details=details or [],
    )
    return JSONResponse(
        status_code=status,
        content=body.model_dump(mode="json"),
        headers=dict(headers) if headers else None,
        media_type=PROBLEM_MEDIA_TYPE,
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error with a problem: validation, ApiError, framework errors, outages (503), the rest (500)."""

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> JSONResponse:
        details = [
            ProblemField(field=".".join(str(part) for part in item["loc"] if part != "body"), message=item["msg"])
            for item in jsonable_encoder(error.errors())
        ]
        return problem_response(
            422, "validation_error", "The request is not valid; see details.", details=details, instance=_path(request)
        )

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, error: ApiError) -> JSONResponse:
        return problem_response(
            error.status,
            error.code,
            error.detail,
            details=error.details,
            headers=error.headers,
            instance=_path(request),
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(error.status_code, "error")
        detail = error.detail if isinstance(error.detail, str) else HTTPStatus(error.status_code).phrase
        headers = dict(getattr(error, "headers", None) or {})
        if error.status_code == 405:
            headers["Allow"] = _allowed_methods(request)
        return problem_response(error.status_code, code, detail, headers=headers or None, instance=_path(request))

    @app.exception_handler(DependencyUnavailable)
    async def _unavailable(request: Request, error: DependencyUnavailable) -> JSONResponse:
        logger.warning("dependency unavailable", extra={"dependency": error.dependency, "path": _path(request)})
        return _unavailable_response(request)

    async def _aws_error(request: Request, error: Exception) -> JSONResponse:
        # An AWS error the service did not map itself: an outage is worth a retry, anything else is our bug.
        if is_aws_outage(error):
            logger.warning("AWS dependency unavailable", extra={"error": type(error).__name__, "path": _path(request)})
            return _unavailable_response(request)
        logger.error("unexpected AWS error", exc_info=error, extra={"path": _path(request)})
        return _internal_error(request)

    app.add_exception_handler(ClientError, _aws_error)
    app.add_exception_handler(BotoCoreError, _aws_error)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        # The server logs it with its traceback; the client gets the problem shape and no internals.
        return _internal_error(request)


def _unavailable_response(request: Request) -> JSONResponse:
    return problem_response(
        503,
        "unavailable",
        "The service is temporarily unavailable; retry later.",
        headers={"Retry-After": RETRY_AFTER_SECONDS},
        instance=_path(request),
    )


def _internal_error(request: Request) -> JSONResponse:
    return problem_response(500, "internal_error", "Something went wrong on our side.", instance=_path(request))


def _path(request: Request) -> str:
    return request.url.path


def _allowed_methods(request: Request) -> str:
    """Every method some route serves at this path (RFC 9110 15.5.6).

    Starlette's 405 names only the methods of the first route matching the path, so `POST /orders` next to
    `GET /orders` would answer a DELETE with `Allow: POST`.
    """
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return ", ".join(sorted(methods))


def problem_example(
    summary: str, status: int, code: str, detail: str, details: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """An OpenAPI example of a problem answer, for `problem_responses(examples=...)`."""
    value = Problem(
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        code=code,
        details=[ProblemField(**item) for item in details or []],
    ).model_dump(mode="json", exclude={"instance"})
    return {"summary": summary, "value": value}


def problem_responses(
    *statuses: int,
    descriptions: Mapping[int, str] | None = None,
    examples: Mapping[int, Mapping[str, dict[str, Any]]] | None = None,
) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each status answers a problem, with an optional description and named examples."""
    documented: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        content: dict[str, Any] = {"schema": {"$ref": "#/components/schemas/Problem"}}
        if examples and status in examples:
            content["examples"] = dict(examples[status])
        description = (descriptions or {}).get(status, HTTPStatus(status).phrase)
        documented[status] = {"description": description, "content": {PROBLEM_MEDIA_TYPE: content}}
    return documented


def document_problems(app: FastAPI) -> None:
    """Make the OpenAPI document say what the handlers do: every 4xx/5xx error answers `application/problem+json`.

    FastAPI documents its own 422 as `application/json` `HTTPValidationError`; this replaces it (and any other
    error response declared without content) by the problem schema.
    """
    build_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build_openapi()
        _, definitions = models_json_schema([(Problem, "serialization")], ref_template="#/components/schemas/{model}")
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas.update(definitions.get("$defs", {}))
        for path, operations in schema.get("paths", {}).items():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    if status.isdigit() and int(status) >= 400 and not path.startswith("/health"):
                        _as_problem(response)
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _as_problem(response: dict[str, Any]) -> None:
    content = response.get("content", {})
    if PROBLEM_MEDIA_TYPE in content:
        content.pop("application/json", None)
        return
    declared = content.pop("application/json", {})
    problem: dict[str, Any] = {"schema": {"$ref": "#/components/schemas/Problem"}}
    if "examples" in declared:
        problem["examples"] = declared["examples"]
    response["content"] = {PROBLEM_MEDIA_TYPE: problem}
