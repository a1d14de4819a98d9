"""A simulated third-party payment provider: slow, rate-limited and flaky on demand, idempotent by key."""

from .app import create_app
from .settings import ProviderSimSettings

__all__ = ["ProviderSimSettings", "create_app"]
