"""Tracing across an event: made in a request, published, consumed, and resumed from a stored record."""

from __future__ import annotations

import pytest
from opentelemetry.trace import SpanKind, StatusCode
from shop_devtools.testing.events import order_created_envelope
from shop_devtools.testing.spans import by_name, captured_spans
from shop_shared.observability.tracing import (
    ORDER_ID,
    consuming,
    current_traceparent,
    publishing,
    traced,
    tracer,
)


def test_outside_a_trace_there_is_no_traceparent() -> None:
    captured_spans()
    assert current_traceparent() is None


def test_an_event_carries_its_order_trace_from_the_request_through_publish_to_the_consumer() -> None:
    spans = captured_spans()
    with tracer().start_as_current_span("POST /orders") as request:
        made = order_created_envelope("c-1", "10.00").with_trace(current_traceparent())
    assert made.metadata.trace_id == format(request.get_span_context().trace_id, "032x")

    # Later, in the relay: nothing is current, the publish span still joins the order's trace.
    with publishing([made], "shop-events") as publish:
        sent = publish.envelopes[0]
        publish.sent(0)
    with consuming(sent, system="aws_sqs", destination="loyalty-order-events", message_id="m-1", receive_count=2):
        pass

    finished = spans.get_finished_spans()
    request_span = by_name(finished, "POST /orders")
    publish_span = by_name(finished, "publish order.created")
    process_span = by_name(finished, "process order.created")
    trace_ids = {span.context.trace_id for span in (request_span, publish_span, process_span)}
    assert len(trace_ids) == 1
    assert publish_span.parent is not None and publish_span.parent.span_id == request_span.context.span_id
    assert process_span.parent is not None and process_span.parent.span_id == publish_span.context.span_id
    assert publish_span.kind is SpanKind.PRODUCER and process_span.kind is SpanKind.CONSUMER
    # The event as sent names the publish span, so the consumer hangs under the moment the event left.
    assert (
        sent.metadata.traceparent is not None
        and format(publish_span.context.span_id, "016x") in sent.metadata.traceparent
    )
    assert made.metadata.traceparent != sent.metadata.traceparent
    attributes = dict(process_span.attributes or {})
    assert attributes[ORDER_ID] == made.data.order_id
    assert attributes["messaging.destination.name"] == "loyalty-order-events"
    assert attributes["messaging.aws.sqs.receive_count"] == 2
    assert attributes["shop.event_id"] == str(made.metadata.event_id)


def test_an_event_made_outside_any_trace_starts_one_when_published() -> None:
    spans = captured_spans()
    event = order_created_envelope("c-1", "10.00")
    assert event.metadata.traceparent is None
    with publishing([event], "shop-events") as publish:
        publish.refused(0, "ThrottlingException")
    publish_span = by_name(spans.get_finished_spans(), "publish order.created")
    assert publish_span.parent is None
    assert publish_span.status.status_code is StatusCode.ERROR
    assert publish_span.status.description == "ThrottlingException"
    assert publish.envelopes[0].metadata.traceparent is not None


def test_a_failed_handler_marks_its_span_with_the_error_type_only() -> None:
    spans = captured_spans()
    event = order_created_envelope("c-1", "10.00")
    secret = "jane@example.com"
    with pytest.raises(ValueError, match=secret):
        with consuming(event, system="aws_sqs", destination="q"):
            raise ValueError(f"cannot reach {secret}")
    span = by_name(spans.get_finished_spans(), "process order.created")
    assert span.status.status_code is StatusCode.ERROR and span.status.description == "ValueError"
    recorded = repr(span.attributes) + repr(span.events) + repr(span.status)
    assert secret not in recorded


def test_work_resumed_from_a_record_continues_the_stored_trace() -> None:
    spans = captured_spans()
    with tracer().start_as_current_span("process order.created") as accepting:
        stored = current_traceparent()
    # Another task, minutes later, with nothing current: the sweep picks the payment up.
    with traced("payment step pending", parent=stored, attributes={ORDER_ID: "o-1"}):
        pass
    step = by_name(spans.get_finished_spans(), "payment step pending")
    assert step.context.trace_id == accepting.get_span_context().trace_id
    assert step.parent is not None and step.parent.span_id == accepting.get_span_context().span_id
