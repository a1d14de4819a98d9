"""The compose check's Jaeger stand-in: real OTLP protobuf from the SDK in, Jaeger's query-API JSON out."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, SpanKind, Status, StatusCode, Tracer, get_current_span
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from shop_devtools.compose_standins.jaeger import Listeners, TraceStore, jaeger_trace_id, running_standin
from shop_devtools.compose_standins.jaeger.translate import NO_SERVICE_NAME, parse_trace_id

# The id a client chose and sent as `traceparent`, X-Ray style (epoch second first), and its own span id.
TRACE_ID = "6650a1b2c3d4e5f60718293a4b5c6d7e"
CLIENT_SPAN_ID = "00f067aa0ba902b7"
PROPAGATOR = TraceContextTextMapPropagator()
# What the compose check reads of each span of GET /api/traces/{traceID}.
SPAN_FIELDS = {"traceID", "spanID", "operationName", "references", "startTime", "duration", "processID", "tags"}


def finished_spans(service: str | None, record: Callable[[Tracer], None]) -> list[ReadableSpan]:
    """The spans `record` makes with a real SDK tracer of `service` (its resource's service.name)."""
    exporter = InMemorySpanExporter()
    attributes = {"service.namespace": "shop"} | ({"service.name": service} if service else {})
    provider = TracerProvider(resource=Resource(attributes))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    record(provider.get_tracer("shop.test", "1.2.3"))
    provider.shutdown()
    return list(exporter.get_finished_spans())


def one_order(trace_id: str = TRACE_ID) -> list[ReadableSpan]:
    """order: POST /orders (continuing the client's traceparent) -> publish; payment: process (parent: publish)."""
    carrier: dict[str, str] = {}

    def order(tracer: Tracer) -> None:
        incoming = PROPAGATOR.extract({"traceparent": f"00-{trace_id}-{CLIENT_SPAN_ID}-01"})
        with tracer.start_as_current_span("POST /orders", context=incoming, kind=SpanKind.SERVER) as server:
            server.set_attribute("http.response.status_code", 201)
            with tracer.start_as_current_span("publish order.created", kind=SpanKind.PRODUCER) as publish:
                publish.set_attributes({"shop.order_id": "o-1", "sampled.share": 0.5, "shop.replayed": False})
                publish.add_event("outbox.written", {"rows": 2})
                PROPAGATOR.inject(carrier)
            with tracer.start_as_current_span("DynamoDB.TransactWriteItems", kind=SpanKind.CLIENT) as call:
                call.set_attribute("aws.dynamodb.table_names", ["shop-orders", "shop-order-outbox"])
                call.set_status(Status(StatusCode.ERROR, "TransactionCanceledException"))

    def payment(tracer: Tracer) -> None:
        publish = PROPAGATOR.extract(carrier)
        linked = [Link(get_current_span(publish).get_span_context())]
        tracer.start_span("process order.created", context=publish, kind=SpanKind.CONSUMER, links=linked).end()

    return finished_spans("order", order) + finished_spans("payment", payment)


def exported(spans: list[ReadableSpan]) -> ExportTraceServiceRequest:
    """The bytes an OTLP exporter sends, decoded again: the stand-in sees what goes over the wire."""
    request = ExportTraceServiceRequest()
    request.ParseFromString(encode_spans(spans).SerializeToString())
    return request


def by_name(trace: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {span["operationName"]: span for span in trace["spans"]}


def tags(span: dict[str, Any]) -> dict[str, tuple[str, Any]]:
    return {tag["key"]: (tag["type"], tag["value"]) for tag in span["tags"]}


def test_one_trace_in_jaegers_shape_with_parents_as_child_of_references() -> None:
    store = TraceStore()
    assert store.add(exported(one_order())) == 4
    trace = store.trace(int(TRACE_ID, 16))
    assert trace is not None and set(trace) == {"traceID", "spans", "processes", "warnings"}
    assert trace["traceID"] == TRACE_ID
    spans = by_name(trace)
    assert set(spans) == {
        "POST /orders",
        "publish order.created",
        "DynamoDB.TransactWriteItems",
        "process order.created",
    }
    assert [span["startTime"] for span in trace["spans"]] == sorted(span["startTime"] for span in trace["spans"])
    for span in trace["spans"]:
        assert SPAN_FIELDS <= set(span)
        assert span["traceID"] == TRACE_ID and len(span["spanID"]) == 16
        assert isinstance(span["startTime"], int) and span["startTime"] > 1_600_000_000_000_000  # microseconds
        assert isinstance(span["duration"], int) and span["duration"] >= 0
    # The root continues the client's traceparent: its parent is the client's span, which is not in the trace.
    assert spans["POST /orders"]["references"] == [
        {"refType": "CHILD_OF", "traceID": TRACE_ID, "spanID": CLIENT_SPAN_ID}
    ]
    server_id, publish_id = spans["POST /orders"]["spanID"], spans["publish order.created"]["spanID"]
    assert spans["publish order.created"]["references"] == [
        {"refType": "CHILD_OF", "traceID": TRACE_ID, "spanID": server_id}
    ]
    assert spans["DynamoDB.TransactWriteItems"]["references"][0]["spanID"] == server_id
    # The consumer's parent is the publish span of another service; its link is a FOLLOWS_FROM reference.
    assert spans["process order.created"]["references"] == [
        {"refType": "CHILD_OF", "traceID": TRACE_ID, "spanID": publish_id},
        {"refType": "FOLLOWS_FROM", "traceID": TRACE_ID, "spanID": publish_id},
    ]


def test_processes_carry_the_service_name_and_the_other_resource_attributes() -> None:
    store = TraceStore()
    store.add(exported(one_order()))
    trace = store.trace(int(TRACE_ID, 16))
    assert trace is not None
    processes = trace["processes"]
    assert {process["serviceName"] for process in processes.values()} == {"order", "payment"}
    assert set(processes) == {"p1", "p2"}  # one per distinct process, however many spans it has
    for span in trace["spans"]:
        service = processes[span["processID"]]["serviceName"]
        assert service == ("payment" if span["operationName"].startswith("process") else "order")
        assert {"key": "service.namespace", "type": "string", "value": "shop"} in processes[span["processID"]]["tags"]
    assert store.services() == ["order", "payment"]


def test_attributes_kind_status_scope_and_events_become_typed_tags_and_logs() -> None:
    store = TraceStore()
    store.add(exported(one_order()))
    trace = store.trace(int(TRACE_ID, 16))
    assert trace is not None
    spans = by_name(trace)
    publish = tags(spans["publish order.created"])
    assert publish["shop.order_id"] == ("string", "o-1")
    assert publish["sampled.share"] == ("float64", 0.5)
    assert publish["shop.replayed"] == ("bool", False)
    assert publish["span.kind"] == ("string", "producer")
    assert publish["otel.scope.name"] == ("string", "shop.test")
    assert publish["otel.scope.version"] == ("string", "1.2.3")
    assert "error" not in publish and "otel.status_code" not in publish
    [log] = spans["publish order.created"]["logs"]
    assert log["timestamp"] >= spans["publish order.created"]["startTime"]
    assert log["fields"] == [
        {"key": "event", "type": "string", "value": "outbox.written"},
        {"key": "rows", "type": "int64", "value": 2},
    ]
    call = tags(spans["DynamoDB.TransactWriteItems"])
    assert call["aws.dynamodb.table_names"] == ("string", '["shop-orders","shop-order-outbox"]')
    assert call["span.kind"] == ("string", "client")
    assert call["otel.status_code"] == ("string", "ERROR") and call["error"] == ("bool", True)
    assert call["otel.status_description"] == ("string", "TransactionCanceledException")
    assert tags(spans["POST /orders"])["http.response.status_code"] == ("int64", 201)
    assert tags(spans["process order.created"])["span.kind"] == ("string", "consumer")


def test_a_resource_without_service_name_is_named_as_jaeger_names_it() -> None:
    store = TraceStore()
    store.add(exported(finished_spans(None, lambda tracer: tracer.start_span("orphan").end())))
    assert store.services() == [NO_SERVICE_NAME]


def test_trace_ids_print_and_parse_as_jaegers_api_does() -> None:
    assert jaeger_trace_id(int(TRACE_ID, 16)) == TRACE_ID
    assert jaeger_trace_id(0xABC) == "0000000000000abc"  # a 64-bit id: 16 digits
    assert parse_trace_id(TRACE_ID.upper()) == int(TRACE_ID, 16)
    assert parse_trace_id("abc") == 0xABC
    for malformed in ("", "0", "xyz", "1" * 33):
        assert parse_trace_id(malformed) is None


def test_the_oldest_trace_goes_past_the_bound_and_an_unknown_trace_is_none() -> None:
    store = TraceStore(max_traces=2)
    ids = [f"6650a1b2{index:024x}" for index in (1, 2, 3)]
    for trace_id in ids:
        store.add(exported(one_order(trace_id)))
    assert store.trace(int(ids[0], 16)) is None
    assert all(store.trace(int(trace_id, 16)) is not None for trace_id in ids[1:])


@pytest.fixture
def standin() -> Iterator[Listeners]:
    with running_standin(TraceStore(), otlp_port=0, query_port=0) as listeners:
        yield listeners


@pytest.mark.parametrize("compression", [Compression.NoCompression, Compression.Gzip])
def test_the_sdk_exporter_delivers_and_the_query_api_answers(standin: Listeners, compression: Compression) -> None:
    exporter = OTLPSpanExporter(endpoint=f"{standin.otlp_endpoint}/v1/traces", compression=compression, timeout=10)
    try:
        assert exporter.export(one_order()) is SpanExportResult.SUCCESS
    finally:
        exporter.shutdown()  # type: ignore[no-untyped-call]  # the exporter leaves it unannotated
    with httpx.Client(base_url=standin.query_url, timeout=10) as query:
        services = query.get("/api/services")
        assert services.status_code == 200
        assert services.json() == {"data": ["order", "payment"], "total": 2, "limit": 0, "offset": 0, "errors": None}
        answer = query.get(f"/api/traces/{TRACE_ID}")
        assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
        [trace] = answer.json()["data"]
        assert trace["traceID"] == TRACE_ID and len(trace["spans"]) == 4
        missing = query.get(f"/api/traces/{'1' * 32}")
        assert missing.status_code == 404 and missing.json()["errors"] == [{"code": 404, "msg": "trace not found"}]
        assert query.get("/api/traces/not-hex").status_code == 400
        assert "stand-in" in query.get("/").text
    # The query API is not on the OTLP port, nor OTLP on the query port, as with Jaeger.
    assert httpx.get(f"{standin.otlp_endpoint}/api/services", timeout=10).status_code == 501
    assert httpx.post(f"{standin.query_url}/v1/traces", content=b"", timeout=10).status_code == 501


def test_the_receiver_refuses_what_is_not_an_otlp_protobuf_export(standin: Listeners) -> None:
    url = f"{standin.otlp_endpoint}/v1/traces"
    with httpx.Client(timeout=10) as client:
        as_json = client.post(url, json={"resourceSpans": []})
        assert as_json.status_code == 415
        protobuf = {"content-type": "application/x-protobuf"}
        assert client.post(url, content=b"\xff\xff\xff", headers=protobuf).status_code == 400
        bad_gzip = client.post(url, content=b"not gzip", headers=protobuf | {"content-encoding": "gzip"})
        assert bad_gzip.status_code == 400
        assert client.post(f"{standin.otlp_endpoint}/v1/metrics", content=b"", headers=protobuf).status_code == 404
        empty = client.post(url, content=gzip.compress(b""), headers=protobuf | {"content-encoding": "gzip"})
        assert empty.status_code == 200  # an empty export is a valid one
