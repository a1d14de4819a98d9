"""A simulated loyalty partner (rewards/CRM API told about every credit and reversal): slow and flaky on demand,
idempotent."""

from .app import create_app
from .settings import PartnerSimSettings

__all__ = ["PartnerSimSettings", "create_app"]
