"""Physical names and service environments derived from the topology and a name prefix."""

from __future__ import annotations

from dataclasses import dataclass

from .model import DLQ_SUFFIX, Topology

__all__ = ["DeployedTopology"]


@dataclass(frozen=True)
class DeployedTopology:
    """The topology as deployed under one prefix, plus the ARNs that only exist after provisioning."""

    topology: Topology
    prefix: str
    arns: dict[str, str]  # "activity:<key>" / "state_machine:<key>" -> ARN

    def name(self, key: str) -> str:
        return f"{self.prefix}{key}"

    @property
    def bus_name(self) -> str:
        return self.name(self.topology.event_bus)

    def dlq_name(self, queue_key: str) -> str:
        return self.name(f"{queue_key}{DLQ_SUFFIX}")

    def kms_alias(self, key: str) -> str:
        return f"alias/{self.name(key)}"

    def resolve(self, reference: str) -> str:
        """Turn a topology reference (`table:orders`, `bus`, ...) into the value a service is given."""
        kind, _, key = reference.partition(":")
        if kind == "bus":
            return self.bus_name
        if kind == "email_sender":
            return self.topology.email_sender
        if kind == "kms_key":
            return self.kms_alias(key)
        if kind in {"activity", "state_machine"}:
            return self.arns[reference]
        if kind in {"table", "queue", "secret"}:
            return self.name(key)
        raise ValueError(f"unknown reference {reference!r}")

    def service_environment(self, service: str) -> dict[str, str]:
        return {variable: self.resolve(reference) for variable, reference in self.topology.services[service].items()}
