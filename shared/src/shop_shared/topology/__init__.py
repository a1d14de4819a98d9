"""The messaging topology, declared once in topology.yaml and used by local provisioning and Terraform."""

from .model import ApiDestination, Index, Queue, Rule, Schedule, StateMachine, Table, Topology, load_topology
from .names import DeployedTopology

__all__ = [
    "ApiDestination",
    "DeployedTopology",
    "Index",
    "Queue",
    "Rule",
    "Schedule",
    "StateMachine",
    "Table",
    "Topology",
    "load_topology",
]
