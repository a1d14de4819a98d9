"""Logging and tracing setup shared by every service (metrics: `shop_shared.observability.metrics`)."""

from .logging import configure_logging
from .tracing import configure_tracing, instrument_http_clients, shutdown_tracing

__all__ = ["configure_logging", "configure_tracing", "instrument_http_clients", "shutdown_tracing"]
