"""Logging setup shared by every service."""

from .logging import configure_logging

__all__ = ["configure_logging"]
