"""The process's tracer provider: resource, id generator, exporter (see the package docstring)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import httpx
from opentelemetry import trace
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor, RequestInfo
from opentelemetry.sdk.extension.aws.trace import AwsXRayIdGenerator
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter

__all__ = ["TracesExporter", "configure_tracing", "instrument_http_clients", "shutdown_tracing"]

TracesExporter = Literal["otlp", "file", "none"]

_provider: TracerProvider | None = None


def configure_tracing(service_name: str, exporter: TracesExporter, traces_file: Path | None = None) -> None:
    """Install the process's tracer provider; with `none` nothing is recorded (the API's no-op provider stays)."""
    global _provider
    if exporter == "none":
        return
    span_exporter = _span_exporter(exporter, traces_file)
    resource = Resource.create({"service.name": service_name, "service.namespace": "shop"})
    # X-Ray-compatible ids (the first 32 bits are the start second): valid W3C ids that X-Ray also accepts.
    provider = TracerProvider(resource=resource, id_generator=AwsXRayIdGenerator())
    provider.add_span_processor(BatchSpanProcessor(span_exporter))
    trace.set_tracer_provider(provider)
    _provider = provider


def _span_exporter(exporter: TracesExporter, traces_file: Path | None) -> SpanExporter:
    if exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()  # endpoint, headers and timeout from the standard OTEL_EXPORTER_OTLP_* variables
    if traces_file is None:
        raise ValueError("OTEL_TRACES_EXPORTER=file needs TRACES_FILE (where to append the spans)")
    from opentelemetry.exporter.otlp.json.file.trace_exporter import FileSpanExporter

    traces_file.parent.mkdir(parents=True, exist_ok=True)
    return FileSpanExporter(traces_file)


def shutdown_tracing() -> None:
    """Export what is buffered and stop (at the end of the process)."""
    global _provider
    if _provider is not None:
        _provider.shutdown()
        _provider = None


def instrument_http_clients() -> None:
    """Spans for the calls to the payment provider, the loyalty partner and the JWKS, named "POST /v1/charges"
    rather than just "POST" (the path, never the query string: it could carry a secret)."""
    HTTPXClientInstrumentor().instrument(request_hook=_name_http_span, async_request_hook=_name_async_http_span)


def _name_http_span(span: trace.Span, request: RequestInfo) -> None:
    method = request.method.decode("ascii", "replace")
    path = request.url.path if isinstance(request.url, httpx.URL) else request.url[3].split(b"?", 1)[0].decode()
    span.update_name(f"{method} {path}")


async def _name_async_http_span(span: trace.Span, request: RequestInfo) -> None:
    _name_http_span(span, request)
