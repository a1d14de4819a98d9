"""A STAND-IN for the Jaeger v2 all-in-one image (jaegertracing/jaeger), for the compose check only.

This machine has no container registry, so devtools/compose_check.sh tags an image running this module with
Jaeger's name. It is not Jaeger and has no UI: it implements only what the check uses, with Jaeger's own
addresses and shapes, so the same calls work against a real Jaeger v2:

- OTLP/HTTP protobuf on :4318, POST /v1/traces (what the services' exporters send);
- the subset of Jaeger's HTTP query API on :16686: GET /api/services and GET /api/traces/{traceID}, answered in
  Jaeger's JSON shape (spans with CHILD_OF references, processes with their serviceName, tags).

Spans are kept in memory, the oldest traces dropped past a bound (like Jaeger's memory storage).
"""

from .server import Listeners, running_standin
from .translate import TraceStore, jaeger_trace_id

__all__ = ["Listeners", "TraceStore", "jaeger_trace_id", "running_standin"]
