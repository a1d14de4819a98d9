"""The stand-in's two listeners, on Jaeger's ports: OTLP/HTTP (4318) and the query API subset (16686)."""

from __future__ import annotations

import json
import logging
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import urlsplit

from google.protobuf.message import DecodeError  # type: ignore[import-untyped]  # protobuf ships no stubs
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from .translate import TraceStore, parse_trace_id

__all__ = ["OTLP_PORT", "QUERY_PORT", "Listeners", "running_standin"]

logger = logging.getLogger(__name__)

OTLP_PORT = 4318
QUERY_PORT = 16686
MAX_BODY = 20 * 1024 * 1024  # the OTLP receiver's default request limit (20 MiB)
NOTICE = (
    "A stand-in for Jaeger, for the compose check only (no registry on this machine): it serves GET /api/services and "
    "GET /api/traces/{traceID} of Jaeger's query API, and no UI. With a registry, compose runs the real Jaeger.\n"
)


@dataclass(frozen=True)
class Listeners:
    otlp_endpoint: str  # what OTEL_EXPORTER_OTLP_ENDPOINT would be set to
    query_url: str


@contextmanager
def running_standin(
    store: TraceStore, *, host: str = "127.0.0.1", otlp_port: int = OTLP_PORT, query_port: int = QUERY_PORT
) -> Iterator[Listeners]:
    """Both listeners, each served on its own thread until the block ends (port 0: a free port)."""
    servers = [
        _StoreServer((host, otlp_port), _OtlpHandler, store),
        _StoreServer((host, query_port), _QueryHandler, store),
    ]
    threads = [threading.Thread(target=s.serve_forever, name=f"jaeger-standin-{s.server_port}") for s in servers]
    for thread in threads:
        thread.start()
    try:
        yield Listeners(*(f"http://{host}:{server.server_port}" for server in servers))
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
        for thread in threads:
            thread.join(timeout=10)


class _StoreServer(ThreadingHTTPServer):
    daemon_threads = True  # a stuck client never holds up the shutdown

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], store: TraceStore) -> None:
        super().__init__(address, handler)
        self.store = store


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the exporters' HTTP sessions expect

    @property
    def store(self) -> TraceStore:
        return cast(_StoreServer, self.server).store

    def answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug(format, *args)


class _OtlpHandler(_Handler):
    """POST /v1/traces: an ExportTraceServiceRequest in protobuf, gzip-compressed or not."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if 0 < length <= MAX_BODY else b""
        if urlsplit(self.path).path != "/v1/traces":
            return self.answer(404, b"not found\n", "text/plain")
        if self.headers.get_content_type() != "application/x-protobuf":
            return self.answer(415, b"the stand-in takes OTLP/HTTP protobuf only\n", "text/plain")
        if length > MAX_BODY:
            self.close_connection = True  # the body was not read
            return self.answer(413, b"request body too large\n", "text/plain")
        request = ExportTraceServiceRequest()
        try:
            if self.headers.get("Content-Encoding", "").lower() == "gzip":
                inflater = zlib.decompressobj(wbits=31)  # 31: a gzip header
                body = inflater.decompress(body, MAX_BODY)
                if inflater.unconsumed_tail:
                    return self.answer(413, b"request body too large\n", "text/plain")
            request.ParseFromString(body)
        except (zlib.error, DecodeError) as error:
            return self.answer(400, f"not an OTLP trace export: {type(error).__name__}\n".encode(), "text/plain")
        logger.debug("received %d spans", self.store.add(request))
        self.answer(200, ExportTraceServiceResponse().SerializeToString(), "application/x-protobuf")


class _QueryHandler(_Handler):
    """GET /api/services and GET /api/traces/{traceID}, in the envelope of Jaeger's HTTP API."""

    def do_GET(self) -> None:
        path = urlsplit(self.path).path.rstrip("/")
        if path == "":
            return self.answer(200, NOTICE.encode(), "text/plain; charset=utf-8")
        if path == "/api/services":
            services = self.store.services()
            return self.reply_json(200, data=services, total=len(services))
        if path.startswith("/api/traces/"):
            trace_id = parse_trace_id(path.removeprefix("/api/traces/"))
            if trace_id is None:
                return self.reply_json(400, errors=[{"code": 400, "msg": "malformed trace id"}])
            trace = self.store.trace(trace_id)
            if trace is None:
                return self.reply_json(404, errors=[{"code": 404, "msg": "trace not found"}])
            return self.reply_json(200, data=[trace])
        self.reply_json(404, errors=[{"code": 404, "msg": "not served by the stand-in"}])

    def reply_json(self, status: int, *, data: Any = None, total: int = 0, errors: Any = None) -> None:
        envelope = {"data": data, "total": total, "limit": 0, "offset": 0, "errors": errors}
        self.answer(status, json.dumps(envelope).encode(), "application/json")
