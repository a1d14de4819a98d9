"""A CLIENT span per AWS API call, through botocore's event hooks on aiobotocore clients (no patching)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from .spans import fail, tracer

__all__ = ["instrument_aws_client"]

_SPAN_KEY = "shop_tracing_span"
_ATTRIBUTES_KEY = "shop_tracing_attributes"


def instrument_aws_client(client: Any) -> Any:
    """Give an aiobotocore client a CLIENT span per API call, through botocore's event hooks (no patching)."""
    events = client.meta.events
    events.register("provide-client-params.*.*", _remember_resource, unique_id="shop-tracing-params")
    events.register("before-call.*.*", _start_aws_span, unique_id="shop-tracing-start")
    events.register("after-call.*.*", _end_aws_span, unique_id="shop-tracing-end")
    events.register("after-call-error.*.*", _fail_aws_span, unique_id="shop-tracing-error")
    return client


def _in_trace() -> bool:
    # Outside a trace (an idle poll, a background sweep) a call is not worth a trace of its own, nor the work.
    return trace.get_current_span().get_span_context().is_valid


def _remember_resource(params: Mapping[str, Any], context: dict[str, Any], **_: Any) -> None:
    """The resource a call is about (table, queue, bus), for the span; nothing from the payload."""
    if not _in_trace():
        return
    attributes: dict[str, str | list[str]] = {}
    if isinstance(params.get("TableName"), str):
        attributes["aws.dynamodb.table_names"] = [params["TableName"]]
    elif isinstance(params.get("TransactItems"), list):
        tables = {
            operation["TableName"]
            for item in params["TransactItems"]
            for operation in item.values()
            if isinstance(operation, dict) and isinstance(operation.get("TableName"), str)
        }
        attributes["aws.dynamodb.table_names"] = sorted(tables)
    elif isinstance(params.get("RequestItems"), dict):
        attributes["aws.dynamodb.table_names"] = sorted(str(table) for table in params["RequestItems"])
    if isinstance(params.get("QueueUrl"), str):
        attributes["messaging.destination.name"] = params["QueueUrl"].rsplit("/", 1)[-1]
    context[_ATTRIBUTES_KEY] = attributes


def _start_aws_span(model: Any, context: dict[str, Any], **_: Any) -> None:
    if not _in_trace():
        return
    service = model.service_model.service_id
    attributes: dict[str, Any] = {
        "rpc.system": "aws-api",
        "rpc.service": str(service),
        "rpc.method": model.name,
        **context.get(_ATTRIBUTES_KEY, {}),
    }
    if context.get("client_region"):
        attributes["cloud.region"] = context["client_region"]
    context[_SPAN_KEY] = tracer().start_span(f"{service}.{model.name}", kind=SpanKind.CLIENT, attributes=attributes)


def _end_aws_span(http_response: Any, parsed: Mapping[str, Any], context: dict[str, Any], **_: Any) -> None:
    span: Span | None = context.pop(_SPAN_KEY, None)
    if span is None:
        return
    metadata = parsed.get("ResponseMetadata", {})
    if metadata.get("RequestId"):
        span.set_attribute("aws.request_id", metadata["RequestId"])
    if "RetryAttempts" in metadata:
        span.set_attribute("aws.retry_attempts", metadata["RetryAttempts"])
    status_code = getattr(http_response, "status_code", 0)
    span.set_attribute("http.response.status_code", status_code)
    if status_code >= 300:
        code = parsed.get("Error", {}).get("Code") or str(status_code)
        span.set_status(Status(StatusCode.ERROR, code))
        span.set_attribute("error.type", code)
    span.end()


def _fail_aws_span(exception: BaseException, context: dict[str, Any], **_: Any) -> None:
    span: Span | None = context.pop(_SPAN_KEY, None)
    if span is not None:
        fail(span, exception)
        span.end()
