"""Runs the Jaeger stand-in until SIGTERM: `python -m shop_devtools.compose_standins.jaeger` (compose check only)."""

from __future__ import annotations

import logging
import os
import signal
import threading

from shop_shared.observability import configure_logging

from .server import running_standin
from .translate import TraceStore

logger = logging.getLogger("shop_devtools.compose_standins.jaeger")


def main() -> None:
    configure_logging("jaeger-standin", os.environ.get("LOG_LEVEL", "INFO"))
    # The variable Jaeger's own configuration listens on; its image sets 0.0.0.0, as the stand-in's does.
    host = os.environ.get("JAEGER_LISTEN_HOST", "127.0.0.1")
    stop = threading.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda *_: stop.set())
    with running_standin(TraceStore(), host=host) as listeners:
        logger.warning(
            "STAND-IN for Jaeger (no registry here), not Jaeger and no UI: OTLP/HTTP protobuf at %s/v1/traces, "
            "Jaeger's GET /api/services and GET /api/traces/{traceID} at %s",
            listeners.otlp_endpoint,
            listeners.query_url,
        )
        stop.wait()


if __name__ == "__main__":
    main()
