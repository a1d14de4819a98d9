"""OTLP spans into Jaeger's JSON model (the shape of Jaeger's HTTP query API), kept per trace in memory.

The mapping follows Jaeger's own OTLP translator: parent -> CHILD_OF reference, links -> FOLLOWS_FROM,
attributes -> typed tags, kind and status -> the span.kind / otel.status_code / error tags, events -> logs,
resource -> the process (service.name as serviceName, the other attributes as its tags).
"""

from __future__ import annotations

import base64
import json
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

__all__ = ["TraceStore", "jaeger_trace_id", "parse_trace_id"]

type JsonObject = dict[str, Any]

# What Jaeger names a process whose resource has no service.name.
NO_SERVICE_NAME = "OTLPResourceNoServiceName"
_KIND_TAGS = {
    Span.SPAN_KIND_INTERNAL: "internal",
    Span.SPAN_KIND_SERVER: "server",
    Span.SPAN_KIND_CLIENT: "client",
    Span.SPAN_KIND_PRODUCER: "producer",
    Span.SPAN_KIND_CONSUMER: "consumer",
}
_STATUS_TAGS = {Status.STATUS_CODE_OK: "OK", Status.STATUS_CODE_ERROR: "ERROR"}


def jaeger_trace_id(trace_id: int) -> str:
    """As Jaeger prints a trace id: 32 hex digits, or 16 when the high half is zero (a 64-bit id)."""
    return f"{trace_id:032x}" if trace_id >> 64 else f"{trace_id:016x}"


def parse_trace_id(text: str) -> int | None:
    """A trace id as Jaeger's API takes it (1 to 32 hex digits, not zero); None when it is not one."""
    if not 1 <= len(text) <= 32 or any(c not in "0123456789abcdefABCDEF" for c in text):
        return None
    return int(text, 16) or None


class TraceStore:
    """Spans received over OTLP, grouped by trace; past `max_traces` the oldest trace is dropped."""

    def __init__(self, max_traces: int = 10_000) -> None:
        self.max_traces = max_traces
        self._lock = threading.Lock()  # the OTLP and query servers answer on their own threads
        self._traces: OrderedDict[int, list[tuple[JsonObject, JsonObject]]] = OrderedDict()
        self._services: set[str] = set()

    def add(self, request: ExportTraceServiceRequest) -> int:
        """Keeps every span of one OTLP export; returns how many there were."""
        received = [
            (
                int.from_bytes(span.trace_id),
                process,
                _jaeger_span(span, scope_spans.scope.name, scope_spans.scope.version),
            )
            for resource_spans in request.resource_spans
            for process in [_process(resource_spans.resource.attributes)]
            for scope_spans in resource_spans.scope_spans
            for span in scope_spans.spans
        ]
        with self._lock:
            for trace_id, process, span in received:
                self._services.add(process["serviceName"])
                self._traces.setdefault(trace_id, []).append((process, span))
            while len(self._traces) > self.max_traces:
                self._traces.popitem(last=False)
        return len(received)

    def services(self) -> list[str]:
        with self._lock:
            return sorted(self._services)

    def trace(self, trace_id: int) -> JsonObject | None:
        """One trace as GET /api/traces/{id} returns it in `data`: its spans by start time, its processes."""
        with self._lock:
            received = list(self._traces.get(trace_id, []))
        if not received:
            return None
        process_ids: dict[str, str] = {}  # one processID per distinct process, p1, p2 ... as Jaeger numbers them
        processes: dict[str, JsonObject] = {}
        spans = []
        for process, span in received:
            key = json.dumps(process, sort_keys=True)
            if key not in process_ids:
                process_ids[key] = f"p{len(process_ids) + 1}"
                processes[process_ids[key]] = process
            spans.append({**span, "processID": process_ids[key]})
        spans.sort(key=lambda span: span["startTime"])
        return {"traceID": jaeger_trace_id(trace_id), "spans": spans, "processes": processes, "warnings": None}


def _jaeger_span(span: Span, scope_name: str, scope_version: str) -> JsonObject:
    trace_id = jaeger_trace_id(int.from_bytes(span.trace_id))
    references = []
    if span.parent_span_id:
        references.append({"refType": "CHILD_OF", "traceID": trace_id, "spanID": span.parent_span_id.hex()})
    references += [
        {
            "refType": "FOLLOWS_FROM",
            "traceID": jaeger_trace_id(int.from_bytes(link.trace_id)),
            "spanID": link.span_id.hex(),
        }
        for link in span.links
    ]
    tags = [_tag(attribute) for attribute in span.attributes]
    if span.kind in _KIND_TAGS:
        tags.append(_string_tag("span.kind", _KIND_TAGS[span.kind]))
    if span.status.code in _STATUS_TAGS:
        tags.append(_string_tag("otel.status_code", _STATUS_TAGS[span.status.code]))
    if span.status.code == Status.STATUS_CODE_ERROR:
        tags.append({"key": "error", "type": "bool", "value": True})
    if span.status.message:
        tags.append(_string_tag("otel.status_description", span.status.message))
    if scope_name:
        tags.append(_string_tag("otel.scope.name", scope_name))
    if scope_version:
        tags.append(_string_tag("otel.scope.version", scope_version))
    return {
        "traceID": trace_id,
        "spanID": span.span_id.hex(),
        "flags": 1,  # sampled: an SDK exports only sampled spans
        "operationName": span.name,
        "references": references,
        "startTime": span.start_time_unix_nano // 1000,  # Jaeger's JSON counts microseconds
        "duration": (span.end_time_unix_nano - span.start_time_unix_nano) // 1000,
        "tags": tags,
        "logs": [
            {
                "timestamp": event.time_unix_nano // 1000,
                "fields": [_string_tag("event", event.name), *(_tag(a) for a in event.attributes)],
            }
            for event in span.events
        ],
        "warnings": None,
    }


def _process(attributes: Iterable[KeyValue]) -> JsonObject:
    service_name = NO_SERVICE_NAME
    tags = []
    for attribute in attributes:
        if attribute.key == "service.name" and attribute.value.HasField("string_value"):
            service_name = attribute.value.string_value
        else:
            tags.append(_tag(attribute))
    return {"serviceName": service_name, "tags": tags}


def _string_tag(key: str, value: str) -> JsonObject:
    return {"key": key, "type": "string", "value": value}


def _tag(attribute: KeyValue) -> JsonObject:
    """A typed Jaeger tag; arrays and maps become their JSON text, as Jaeger's translator writes them."""
    value = attribute.value
    match value.WhichOneof("value"):
        case "bool_value":
            return {"key": attribute.key, "type": "bool", "value": value.bool_value}
        case "int_value":
            return {"key": attribute.key, "type": "int64", "value": value.int_value}
        case "double_value":
            return {"key": attribute.key, "type": "float64", "value": value.double_value}
        case "bytes_value":
            return {"key": attribute.key, "type": "binary", "value": base64.b64encode(value.bytes_value).decode()}
        case "array_value" | "kvlist_value":
            return _string_tag(attribute.key, json.dumps(_plain(value), separators=(",", ":")))
        case _:
            return _string_tag(attribute.key, value.string_value)


def _plain(value: AnyValue) -> Any:
    match value.WhichOneof("value"):
        case "array_value":
            return [_plain(item) for item in value.array_value.values]
        case "kvlist_value":
            return {item.key: _plain(item.value) for item in value.kvlist_value.values}
        case "bytes_value":
            return base64.b64encode(value.bytes_value).decode()
        case None:
            return None
        case kind:
            return getattr(value, kind)
