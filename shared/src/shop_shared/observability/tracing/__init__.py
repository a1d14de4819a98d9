"""OpenTelemetry tracing: one order is one trace across every service, queue and API destination.

How the trace crosses each hop:
- HTTP in and out: the FastAPI and httpx instrumentations (W3C `traceparent` headers).
- AWS calls: a CLIENT span per call (`instrument_aws_client`), recorded only inside a trace, so an idle long
  poll never starts one.
- Events: the W3C `traceparent` travels in the envelope's metadata. The code that makes an event passes the
  current one (`new_envelope(..., traceparent=current_traceparent())`), so the outbox stores it with the event;
  publishing opens a PRODUCER span per event under that context and sends the event with the publish span's
  context (`publishing`); every consumer (SQS handlers, payment's API destination endpoint) continues from it
  (`consuming`). Work that resumes later from a stored record (a payment's next step) continues the trace
  stored with it (`traced(..., parent=...)`).

Exporters (`OTEL_TRACES_EXPORTER`): `otlp` (OTLP/HTTP to `OTEL_EXPORTER_OTLP_ENDPOINT`: the ADOT sidecar on ECS,
Jaeger in compose), `file` (OTLP JSON lines appended to `TRACES_FILE`: the local runtime, read by `make trace`),
`none` (no spans are recorded; contexts still pass through, so a traced caller's trace is not cut).
The sampler comes from the standard `OTEL_TRACES_SAMPLER`/`OTEL_TRACES_SAMPLER_ARG`; parent-based sampling keeps
an order's trace whole because every hop follows the flag of the `traceparent` it continues.

Spans never carry contact details or tokens: events are described by ids and types, AWS calls by service,
operation and resource name, and a failure by its exception type only.
"""

from .aws import instrument_aws_client
from .setup import TracesExporter, configure_tracing, instrument_http_clients, shutdown_tracing
from .spans import (
    ORDER_ID,
    annotate,
    annotate_order,
    consuming,
    current_traceparent,
    event_attributes,
    mark_current_span_failed,
    publishing,
    traced,
    tracer,
)

__all__ = [
    "ORDER_ID",
    "TracesExporter",
    "annotate",
    "annotate_order",
    "configure_tracing",
    "consuming",
    "current_traceparent",
    "event_attributes",
    "instrument_aws_client",
    "instrument_http_clients",
    "mark_current_span_failed",
    "publishing",
    "shutdown_tracing",
    "traced",
    "tracer",
]
