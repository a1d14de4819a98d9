"""Applies the shared topology to an AWS endpoint (the local emulators), idempotently: one module per AWS
service, each with `ensure_*` functions returning a named `Provisioned*` result."""

from .apply import provision
from .report import ProvisioningReport

__all__ = ["ProvisioningReport", "provision"]
