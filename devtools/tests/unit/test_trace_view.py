"""`make trace` reads the real span files of the OpenTelemetry SDK's OTLP JSON file exporter and draws the waterfall.

The fixture writes them with the SDK itself (TracerProvider + FileSpanExporter, one file per service, fixed ids and
times), so the format under test is the one the services write.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.exporter.otlp.json.file.trace_exporter import FileSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, Status, StatusCode, TraceFlags
from shop_devtools.trace_view import (
    MalformedLineError,
    Span,
    build_trace,
    parse_line,
    render_trace,
    run,
    scan_directory,
)
from shop_devtools.trace_view.render import ASCII, TIMELINE_WIDTH

ORDER = "ord-7f3a"
EPOCH_SECOND = 1_767_225_600  # 2026-01-01T00:00:00Z
MISSING_PARENT = 0xFF  # a span id no file holds: its process was killed before it flushed


class CountingIds(IdGenerator):
    """X-Ray-shaped trace ids (the epoch second first) and span ids counted from 1: a fixed, readable output."""

    def __init__(self) -> None:
        self.spans = 0
        self.traces = 0

    def generate_span_id(self) -> int:
        self.spans += 1
        return self.spans

    def generate_trace_id(self) -> int:
        self.traces += 1
        return (EPOCH_SECOND << 96) | self.traces


def trace_id(number: int) -> str:
    return f"{(EPOCH_SECOND << 96) | number:032x}"


class SpanFiles:
    """One TracerProvider per service, each appending to <service>.jsonl, as the services do under `make start`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.ids = CountingIds()
        self.providers: dict[str, TracerProvider] = {}

    def _tracer(self, service: str) -> trace.Tracer:
        if service not in self.providers:
            provider = TracerProvider(resource=Resource.create({"service.name": service}), id_generator=self.ids)
            exporter = FileSpanExporter(self.directory / f"{service}.jsonl")
            # payment batches like the services do, so its spans share lines; the others write a line per span.
            processor = BatchSpanProcessor(exporter) if service == "payment" else SimpleSpanProcessor(exporter)
            provider.add_span_processor(processor)
            self.providers[service] = provider
        return self.providers[service].get_tracer("shop")

    def span(
        self,
        service: str,
        name: str,
        start_ms: float,
        end_ms: float,
        *,
        parent: trace.Span | None = None,
        kind: SpanKind = SpanKind.INTERNAL,
        attributes: Mapping[str, str | int] | None = None,
        error: str | None = None,
    ) -> trace.Span:
        context = trace.set_span_in_context(parent) if parent is not None else otel_context.Context()
        span = self._tracer(service).start_span(
            name, context=context, kind=kind, attributes=attributes, start_time=_ns(start_ms)
        )
        if error is not None:
            span.set_status(Status(StatusCode.ERROR, error))
        span.end(end_time=_ns(end_ms))
        return span

    def close(self) -> None:
        for provider in self.providers.values():
            provider.shutdown()  # flushes payment's batch


def _ns(milliseconds: float) -> int:
    return EPOCH_SECOND * 1_000_000_000 + int(milliseconds * 1_000_000)


def unrecorded_parent(of: trace.Span) -> trace.Span:
    context = of.get_span_context()
    return NonRecordingSpan(SpanContext(context.trace_id, MISSING_PARENT, is_remote=True, trace_flags=TraceFlags(1)))


def write_order_journey(files: SpanFiles) -> None:
    """One order's trace over four services, a second POST of it a minute later, and another order's trace."""
    # Written first, though it is the newest: the viewer orders traces by time, not by file position.
    files.span("order", "POST /orders", 60_000, 60_004, kind=SpanKind.SERVER, attributes={"shop.order_id": ORDER})
    post = files.span("order", "POST /orders", 0, 42, kind=SpanKind.SERVER, attributes={"shop.order_id": ORDER})
    files.span("order", "DynamoDB.TransactWriteItems", 5, 30, parent=post, kind=SpanKind.CLIENT)
    publish = files.span(
        "order",
        "publish order.created",
        60,
        75,
        parent=post,
        kind=SpanKind.PRODUCER,
        attributes={"shop.order_id": ORDER},
    )
    files.span("order", "EventBridge.PutEvents", 61, 74, parent=publish, kind=SpanKind.CLIENT)
    # payment's API destination endpoint: a SERVER span continuing from the publish span in order's file.
    payment = files.span(
        "payment",
        "process order.created",
        90,
        310,
        parent=publish,
        kind=SpanKind.SERVER,
        attributes={"messaging.system": "eventbridge_api_destination", "messaging.destination.name": "payment-orders"},
    )
    files.span("payment", "POST", 100, 280, parent=payment, kind=SpanKind.CLIENT)
    succeeded = files.span("payment", "publish payment.succeeded", 290, 300, parent=payment, kind=SpanKind.PRODUCER)
    sqs = {"messaging.system": "aws_sqs", "shop.order_id": ORDER}
    files.span(
        "loyalty",
        "process payment.succeeded",
        350,
        362,
        parent=succeeded,
        kind=SpanKind.CONSUMER,
        attributes={**sqs, "messaging.destination.name": "loyalty-payments", "messaging.aws.sqs.receive_count": 1},
        error="PartnerUnavailable",
    )
    files.span(
        "loyalty",
        "process payment.succeeded",
        400,
        455,
        parent=succeeded,
        kind=SpanKind.CONSUMER,
        attributes={**sqs, "messaging.destination.name": "loyalty-payments", "messaging.aws.sqs.receive_count": 2},
    )
    files.span(
        "order",
        "process payment.succeeded",
        340,
        380,
        parent=succeeded,
        kind=SpanKind.CONSUMER,
        attributes={**sqs, "messaging.destination.name": "order-payments", "messaging.aws.sqs.receive_count": 1},
    )
    files.span("notifications", "SES.SendEmail", 500, 530, parent=unrecorded_parent(post), kind=SpanKind.CLIENT)
    files.span("order", "POST /orders", 70, 80, kind=SpanKind.SERVER, attributes={"shop.order_id": "ord-other"})


@pytest.fixture
def traces_dir(tmp_path: Path) -> Iterator[Path]:
    files = SpanFiles(tmp_path)
    try:
        write_order_journey(files)
    finally:
        files.close()
    yield tmp_path


EXPECTED = f"""\
trace {trace_id(2)}  order {ORDER}  11 spans, 4 services (order, payment, loyalty, notifications), 530.0 ms, 1 error, started 2026-01-01T00:00:00.000Z
  service        kind      operation                                                              start ms  dur ms  status                     timeline (530.0 ms)
  order          server    POST /orders                                                                0.0    42.0  ok                         |███                             |
  order          client      DynamoDB.TransactWriteItems                                               5.0    25.0  ok                         |██                              |
  order          producer    publish order.created                                                    60.0    15.0  ok                         |   ██                           |
  order          client        EventBridge.PutEvents                                                  61.0    13.0  ok                         |   ██                           |
  payment        server        process order.created [via payment-orders]                             90.0   220.0  ok                         |     ██████████████             |
  payment        client          POST                                                                100.0   180.0  ok                         |      ███████████               |
  payment        producer        publish payment.succeeded                                           290.0    10.0  ok                         |                 ██             |
  order          consumer          process payment.succeeded [queue order-payments, receive 1]       340.0    40.0  ok                         |                    ███         |
! loyalty        consumer          process payment.succeeded [queue loyalty-payments, receive 1]     350.0    12.0  error: PartnerUnavailable  |                     █          |
  loyalty        consumer          process payment.succeeded [queue loyalty-payments, receive 2]     400.0    55.0  ok                         |                        ████    |
  notifications  client    SES.SendEmail  ↳ parent 00000000000000ff not recorded                     500.0    30.0  ok                         |                              ██|

trace {trace_id(1)}  order {ORDER}  1 span, 1 service (order), 4.0 ms, started 2026-01-01T00:01:00.000Z
  service  kind    operation     start ms  dur ms  status  timeline (4.0 ms)
  order    server  POST /orders       0.0     4.0  ok      |████████████████████████████████|
"""  # noqa: E501


def test_the_waterfall_of_an_order_spread_over_the_service_files(traces_dir: Path) -> None:
    out, err = io.StringIO(), io.StringIO()

    assert run(ORDER, traces_dir, out=out, err=err) == 0

    assert out.getvalue() == EXPECTED
    assert err.getvalue() == ""


def test_children_sit_under_their_parent_across_files_in_start_order(traces_dir: Path) -> None:
    scan = scan_directory(traces_dir, ORDER)
    tree = build_trace(trace_id(2), scan.spans_by_trace[trace_id(2)])

    assert [(row.depth, row.span.service, row.span.name) for row in tree.rows] == [
        (0, "order", "POST /orders"),
        (1, "order", "DynamoDB.TransactWriteItems"),
        (1, "order", "publish order.created"),
        (2, "order", "EventBridge.PutEvents"),
        (2, "payment", "process order.created"),  # its parent is in order.jsonl
        (3, "payment", "POST"),
        (3, "payment", "publish payment.succeeded"),
        (4, "order", "process payment.succeeded"),  # 340 ms
        (4, "loyalty", "process payment.succeeded"),  # 350 ms, failed
        (4, "loyalty", "process payment.succeeded"),  # 400 ms, the redelivery
        (0, "notifications", "SES.SendEmail"),  # orphan: at the root, after the tree it started in
    ]
    assert [row.span.start_ns - tree.start_ns for row in tree.rows][:3] == [0, 5_000_000, 60_000_000]
    assert tree.end_ns - tree.start_ns == 530_000_000
    assert [row.detached_parent for row in tree.rows] == [None] * 10 + [f"{MISSING_PARENT:016x}"]
    assert [row.span.failed for row in tree.rows].count(True) == 1


def test_only_the_traces_of_the_order_are_collected(traces_dir: Path) -> None:
    scan = scan_directory(traces_dir, ORDER)

    # trace 3 is another order's; trace 1 is the second POST of this one, a minute later.
    assert sorted(scan.spans_by_trace) == [trace_id(1), trace_id(2)]
    assert scan.span_count == 12
    assert scan_directory(traces_dir, "ord-7f3").spans_by_trace == {}  # a prefix of the id is another order


def test_malformed_and_unfinished_lines_are_skipped_and_reported(traces_dir: Path) -> None:
    order_file, payment_file = traces_dir / "order.jsonl", traces_dir / "payment.jsonl"
    whole_line = order_file.read_bytes().splitlines()[1]
    assert ORDER.encode() in whole_line
    with order_file.open("ab") as file:
        cut_at = whole_line.index(ORDER.encode()) + len(ORDER)
        file.write(whole_line[:cut_at] + b"\n")  # line 8: cut, as by a process killed mid-write
        file.write(b"not json at all\n")  # line 9: mentions neither the order nor its traces, so never parsed
        file.write(b"\xff\xfe " + ORDER.encode() + b"\n")  # line 10: not even UTF-8
    with payment_file.open("ab") as file:
        file.write(whole_line[:-40])  # still being written: no newline yet
    out, err = io.StringIO(), io.StringIO()

    assert run(ORDER, traces_dir, out=out, err=err) == 0

    assert out.getvalue() == EXPECTED
    assert err.getvalue() == (
        "skipped 2 malformed lines (not OTLP JSON): order.jsonl line 8, 10\n"
        "skipped the unfinished last line of payment.jsonl (being written, or its process was killed)\n"
    )


def test_a_plain_ascii_output_gets_ascii_bars_and_markers(traces_dir: Path) -> None:
    out = io.TextIOWrapper(io.BytesIO(), encoding="ascii")

    assert run(ORDER, traces_dir, out=out, err=io.StringIO()) == 0

    out.seek(0)
    text = out.read()
    assert "SES.SendEmail  -> parent 00000000000000ff not recorded" in text
    assert "|" + "#" * TIMELINE_WIDTH + "|" in text


def _span(span_id: str, parent: str | None, start_ms: int, end_ms: int, name: str = "work") -> Span:
    return Span(
        trace_id=trace_id(9),
        span_id=span_id,
        parent_span_id=parent,
        name=name,
        kind="internal",
        service="order",
        start_ns=start_ms * 1_000_000,
        end_ns=end_ms * 1_000_000,
        failed=False,
        status_message="",
        attributes={},
    )


def test_spans_whose_parent_links_loop_are_shown_not_dropped() -> None:
    spans = [_span("a" * 16, None, 0, 10), _span("b" * 16, "c" * 16, 2, 3), _span("c" * 16, "b" * 16, 4, 5)]

    rows = build_trace(trace_id(9), spans).rows

    assert [(row.depth, row.span.span_id, row.detached_parent) for row in rows] == [
        (0, "a" * 16, None),
        (0, "b" * 16, "c" * 16),
        (1, "c" * 16, None),
    ]
    assert rows[1].detached_reason == "in a loop of parent links"


def test_bars_are_proportional_and_a_short_span_still_shows() -> None:
    spans = [_span("a" * 16, None, 0, 1000), _span("b" * 16, "a" * 16, 500, 750), _span("c" * 16, "a" * 16, 999, 999)]

    lines = render_trace(build_trace(trace_id(9), spans), ORDER, ASCII)
    bars = [line[line.index("|") :] for line in lines[2:]]

    quarter = TIMELINE_WIDTH // 4
    assert bars == [
        "|" + "#" * TIMELINE_WIDTH + "|",
        "|" + " " * 2 * quarter + "#" * quarter + " " * quarter + "|",
        "|" + " " * (TIMELINE_WIDTH - 1) + "#|",  # 0 ms long: one cell
    ]


def test_other_encodings_of_kind_status_and_values_are_read() -> None:
    line = (
        '{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"loyalty"}}]},'
        '"scopeSpans":[{"spans":[{"traceId":"6955b900000000000000000000000009","spanId":"00000000000000a1",'
        '"parentSpanId":"","name":"process x","kind":"SPAN_KIND_CONSUMER","startTimeUnixNano":5,'
        '"endTimeUnixNano":"7","status":{"code":"STATUS_CODE_ERROR"},"attributes":['
        '{"key":"n","value":{"intValue":2}},{"key":"kv","value":{"kvlistValue":{"values":['
        '{"key":"k","value":{"boolValue":false}}]}}},{"key":"empty","value":{}}]}]}]}]}'
    )

    [span] = parse_line(line)

    assert (span.service, span.kind, span.parent_span_id, span.start_ns, span.end_ns) == (
        "loyalty",
        "consumer",
        None,
        5,
        7,
    )
    assert (span.failed, span.status_message) == (True, "")
    assert span.attributes == {"n": 2, "kv": {"k": False}, "empty": None}
    with pytest.raises(MalformedLineError):
        parse_line(line.replace("00000000000000a1", "a1"))  # not a 16-digit hex span id
