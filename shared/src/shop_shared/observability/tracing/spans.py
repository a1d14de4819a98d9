"""Our own spans: events published and consumed, work resumed from a record, attributes (see the package docstring)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

if TYPE_CHECKING:
    from shop_shared.contracts import EventEnvelope

__all__ = [
    "EVENT_ID",
    "EVENT_TYPE",
    "EVENT_VERSION",
    "ORDER_ID",
    "PublishSpans",
    "annotate",
    "annotate_order",
    "consuming",
    "current_traceparent",
    "event_attributes",
    "fail",
    "mark_current_span_failed",
    "publishing",
    "traced",
    "tracer",
]

# Attribute names of our own (namespaced, as OpenTelemetry asks of non-standard attributes).
ORDER_ID = "shop.order_id"
EVENT_ID = "shop.event_id"
EVENT_TYPE = "shop.event_type"
EVENT_VERSION = "shop.event_version"

_PROPAGATOR = TraceContextTextMapPropagator()


def tracer() -> trace.Tracer:
    """The tracer of our own spans (the instrumentations have theirs)."""
    return trace.get_tracer("shop")


def current_traceparent() -> str | None:
    """The W3C `traceparent` of the current span, or None outside a trace."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get("traceparent")


def _context_from(traceparent: str | None) -> otel_context.Context | None:
    return _PROPAGATOR.extract({"traceparent": traceparent}) if traceparent else None


def _context_of(envelope: EventEnvelope[Any]) -> otel_context.Context | None:
    return _context_from(envelope.metadata.traceparent)


def event_attributes(envelope: EventEnvelope[Any]) -> dict[str, str | int]:
    """What identifies an event on a span: ids and type, and the order it concerns; never its contents."""
    metadata = envelope.metadata
    attributes: dict[str, str | int] = {
        EVENT_ID: str(metadata.event_id),
        EVENT_TYPE: metadata.event_type,
        EVENT_VERSION: metadata.event_version,
    }
    order_id = getattr(envelope.data, "order_id", None)
    if isinstance(order_id, str):
        attributes[ORDER_ID] = order_id
    return attributes


def annotate(attributes: Mapping[str, str | int]) -> None:
    """Add attributes to the current span (ids and counts; never contact details or tokens)."""
    trace.get_current_span().set_attributes(dict(attributes))


def annotate_order(order_id: str) -> None:
    """Mark the current span (e.g. `POST /orders`) with the order it concerns, so `make trace` finds it."""
    annotate({ORDER_ID: order_id})


def fail(span: Span, error: BaseException) -> None:
    # The type only: an exception's message may quote a customer's contact details.
    span.set_status(Status(StatusCode.ERROR, type(error).__name__))
    span.set_attribute("error.type", type(error).__name__)


def mark_current_span_failed(error: BaseException) -> None:
    """For code that turns an exception into an outcome instead of raising it (a consumer's failed message)."""
    fail(trace.get_current_span(), error)


@contextmanager
def _current_span(
    name: str, context: otel_context.Context | None, kind: SpanKind, attributes: Mapping[str, str | int] | None
) -> Iterator[Span]:
    """A span made current for the block; an exception marks it (`fail`) and propagates."""
    with tracer().start_as_current_span(
        name, context=context, kind=kind, attributes=attributes, record_exception=False, set_status_on_exception=False
    ) as span:
        try:
            yield span
        except Exception as error:
            fail(span, error)
            raise


def traced(
    name: str, *, attributes: Mapping[str, str | int] | None = None, parent: str | None = None
) -> AbstractContextManager[Span]:
    """An INTERNAL span around a piece of work: in the current trace, or under `parent` (a stored `traceparent`)
    for work resumed from a record."""
    return _current_span(name, _context_from(parent), SpanKind.INTERNAL, attributes)


def consuming(
    envelope: EventEnvelope[Any],
    *,
    system: str,
    destination: str,
    message_id: str | None = None,
    receive_count: int | None = None,
    kind: SpanKind = SpanKind.CONSUMER,
) -> AbstractContextManager[Span]:
    """The span of handling one event, continuing the trace of whoever published it."""
    attributes: dict[str, str | int] = {
        "messaging.system": system,
        "messaging.operation.type": "process",
        "messaging.destination.name": destination,
        **event_attributes(envelope),
    }
    if message_id is not None:
        attributes["messaging.message.id"] = message_id
    if receive_count is not None:
        attributes["messaging.aws.sqs.receive_count"] = receive_count
    return _current_span(f"process {envelope.metadata.event_type}", _context_of(envelope), kind, attributes)


class PublishSpans:
    """One PRODUCER span per event of a PutEvents batch, each under the trace the event was produced in."""

    def __init__(self, envelopes: Sequence[EventEnvelope[Any]], bus_name: str) -> None:
        self._spans: list[Span] = []
        self.envelopes: list[EventEnvelope[Any]] = []
        for envelope in envelopes:
            span = tracer().start_span(
                f"publish {envelope.metadata.event_type}",
                context=_context_of(envelope),
                kind=SpanKind.PRODUCER,
                attributes={
                    "messaging.system": "aws_eventbridge",
                    "messaging.operation.type": "send",
                    "messaging.destination.name": bus_name,
                    "messaging.batch.message_count": len(envelopes),
                    **event_attributes(envelope),
                },
            )
            self._spans.append(span)
            # Consumers continue from the publish span: the trace then shows when the event really left.
            carrier: dict[str, str] = {}
            _PROPAGATOR.inject(carrier, context=trace.set_span_in_context(span))
            self.envelopes.append(envelope.with_trace(carrier.get("traceparent")))

    def sent(self, index: int) -> None:
        self._spans[index].end()

    def refused(self, index: int, error_code: str) -> None:
        span = self._spans[index]
        span.set_status(Status(StatusCode.ERROR, error_code))
        span.set_attribute("error.type", error_code)
        span.end()

    def failed(self, error: BaseException) -> None:
        """The whole call failed: every span not yet ended gets the error."""
        for span in self._spans:
            if span.is_recording():
                fail(span, error)
                span.end()


@contextmanager
def publishing(envelopes: Sequence[EventEnvelope[Any]], bus_name: str) -> Iterator[PublishSpans]:
    """Spans for one PutEvents call; send `spans.envelopes` (they carry the publish spans' contexts)."""
    spans = PublishSpans(envelopes, bus_name)
    try:
        yield spans
    except BaseException as error:
        spans.failed(error)
        raise
