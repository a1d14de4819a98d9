"""Applies the shared topology to an AWS endpoint (the local emulators), idempotently."""

from .apply import ProvisioningReport, provision

__all__ = ["ProvisioningReport", "provision"]
