"""What a provisioning run did, so a second run can be shown to change nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

from .common import Outcome

__all__ = ["ProvisioningReport"]


@dataclass
class ProvisioningReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def record(self, kind: str, name: str, outcome: Outcome) -> None:
        {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}[outcome].append(
            f"{kind}:{name}"
        )

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)
