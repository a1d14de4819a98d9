"""The topology declaration as typed models, and the naming and reference rules shared with Terraform."""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "ApiDestination",
    "Index",
    "Queue",
    "Rule",
    "Schedule",
    "StateMachine",
    "Table",
    "Topology",
    "load_topology",
]

DLQ_SUFFIX = "-dlq"


class _Declared(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Queue(_Declared):
    consumer: str
    visibility_timeout_seconds: int = Field(ge=0, le=43200)
    max_receive_count: int = Field(ge=1, le=1000)


class ApiDestination(_Declared):
    service: str
    path: str = Field(pattern=r"^/")
    http_method: Literal["POST", "PUT"]
    invocation_rate_limit_per_second: int = Field(ge=1, le=300)
    api_key_header: str
    api_key_secret: str


class RuleTarget(_Declared):
    queue: str | None = None
    api_destination: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> RuleTarget:
        if (self.queue is None) == (self.api_destination is None):
            raise ValueError("a rule target names exactly one of queue or api_destination")
        return self


class Rule(_Declared):
    description: str
    event_pattern: dict[str, Any]
    target: RuleTarget


class Described(_Declared):
    description: str


class Index(_Declared):
    """A global secondary index projecting all attributes; keys are strings."""

    hash_key: str
    range_key: str | None = None


class Table(_Declared):
    owner: str
    hash_key: str
    range_key: str | None = None
    ttl_attribute: str | None = Field(default=None, description="Epoch seconds after which DynamoDB deletes the item.")
    indexes: dict[str, Index] = Field(default_factory=dict)


class StateMachine(_Declared):
    description: str
    definition: str
    activity: str
    parameters: dict[str, int]


class Schedule(_Declared):
    description: str
    state_machine: str
    expression: str = Field(pattern=r"^(cron|rate|at)\(.+\)$", description="EventBridge Scheduler expression.")
    timezone: str = "UTC"
    input: dict[str, Any] = Field(default_factory=dict, description="The execution input.")


class Topology(_Declared):
    event_bus: str
    queues: dict[str, Queue]
    api_destinations: dict[str, ApiDestination]
    rules: dict[str, Rule]
    secrets: dict[str, Described]
    kms_keys: dict[str, Described]
    sns_topics: dict[str, Described]
    email_sender: str
    tables: dict[str, Table]
    activities: dict[str, Described]
    state_machines: dict[str, StateMachine]
    schedules: dict[str, Schedule] = Field(default_factory=dict)
    services: dict[str, dict[str, str]]

    @model_validator(mode="after")
    def _references_exist(self) -> Topology:
        for name, rule in self.rules.items():
            if rule.target.queue and rule.target.queue not in self.queues:
                raise ValueError(f"rule {name} targets unknown queue {rule.target.queue}")
            if rule.target.api_destination and rule.target.api_destination not in self.api_destinations:
                raise ValueError(f"rule {name} targets unknown API destination {rule.target.api_destination}")
        for name, destination in self.api_destinations.items():
            if destination.api_key_secret not in self.secrets:
                raise ValueError(f"API destination {name} uses unknown secret {destination.api_key_secret}")
        for name, machine in self.state_machines.items():
            if machine.activity not in self.activities:
                raise ValueError(f"state machine {name} uses unknown activity {machine.activity}")
        for name, schedule in self.schedules.items():
            if schedule.state_machine not in self.state_machines:
                raise ValueError(f"schedule {name} starts unknown state machine {schedule.state_machine}")
        for service, environment in self.services.items():
            for variable, reference in environment.items():
                kind, _, key = reference.partition(":")
                if kind in {"bus", "email_sender"}:
                    continue
                if key not in self._collection(kind):
                    raise ValueError(f"{service}.{variable} references unknown {reference}")
        return self

    def _collection(self, kind: str) -> dict[str, Any]:
        collections: dict[str, dict[str, Any]] = {
            "table": self.tables,
            "queue": self.queues,
            "secret": self.secrets,
            "kms_key": self.kms_keys,
            "activity": self.activities,
            "state_machine": self.state_machines,
        }
        if kind not in collections:
            raise ValueError(f"unknown reference kind {kind!r}")
        return collections[kind]

    def queue_targets(self, queue: str) -> list[str]:
        """The rules that deliver into `queue` (its access policy allows exactly these)."""
        return [name for name, rule in self.rules.items() if rule.target.queue == queue]

    def with_state_machine_parameters(self, key: str, **values: int) -> Topology:
        """A copy whose state machine `key` is rendered with other parameters (tests shorten the timeouts)."""
        machine = self.state_machines[key]
        unknown = set(values) - set(machine.parameters)
        if unknown:
            raise KeyError(f"{key} has no parameters {sorted(unknown)}")
        changed = machine.model_copy(update={"parameters": {**machine.parameters, **values}})
        return self.model_copy(update={"state_machines": {**self.state_machines, key: changed}})

    def state_machine_definition(self, key: str, substitutions: dict[str, str | int]) -> dict[str, Any]:
        """The ASL of a state machine with ARNs and parameters filled in (Terraform uses templatefile)."""
        machine = self.state_machines[key]
        template = resources.files(__package__).joinpath(machine.definition).read_text()
        values = {**machine.parameters, **substitutions}

        def substitute(match: re.Match[str]) -> str:
            if match.group(1) not in values:
                raise KeyError(f"{machine.definition} needs a value for ${{{match.group(1)}}}")
            return str(values[match.group(1)])

        # Only `${name}` is replaced, exactly as Terraform's templatefile() does; JSONPath `$` stays.
        rendered = re.sub(r"\$\{(\w+)\}", substitute, template)
        definition: dict[str, Any] = json.loads(rendered)
        return definition


def load_topology() -> Topology:
    """Load and validate the declaration shipped with this package."""
    text = resources.files(__package__).joinpath("topology.yaml").read_text()
    return Topology.model_validate(yaml.safe_load(text))
