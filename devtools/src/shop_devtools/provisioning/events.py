"""EventBridge: the bus, the rules and their targets, and the API destinations with their connections."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from botocore.exceptions import ClientError

from .common import Outcome, Provisioned, error_code

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_events.type_defs import CreateApiDestinationRequestTypeDef, TargetTypeDef
    from mypy_boto3_secretsmanager import SecretsManagerClient

__all__ = [
    "ProvisionedApiDestination",
    "ProvisionedBus",
    "ProvisionedConnection",
    "ProvisionedRule",
    "ensure_api_destination",
    "ensure_bus",
    "ensure_connection",
    "ensure_rule",
]


@dataclass(frozen=True, kw_only=True)
class ProvisionedBus(Provisioned):
    """A custom event bus."""


@dataclass(frozen=True, kw_only=True)
class ProvisionedConnection(Provisioned):
    """A connection holding the API key an API destination sends."""


@dataclass(frozen=True, kw_only=True)
class ProvisionedApiDestination(Provisioned):
    """An HTTP endpoint that rules deliver events to."""


@dataclass(frozen=True, kw_only=True)
class ProvisionedRule(Provisioned):
    """A rule on the bus with its one target."""


def ensure_bus(events: EventBridgeClient, name: str) -> ProvisionedBus:
    try:
        return ProvisionedBus(name=name, arn=events.describe_event_bus(Name=name)["Arn"], outcome="unchanged")
    except ClientError as error:
        if error_code(error) != "ResourceNotFoundException":
            raise
    return ProvisionedBus(name=name, arn=events.create_event_bus(Name=name)["EventBusArn"], outcome="created")


def ensure_connection(
    events: EventBridgeClient, secretsmanager: SecretsManagerClient, name: str, header: str, secret_name: str
) -> ProvisionedConnection:
    """Created once from the key in our secret; a later key rotation updates the connection explicitly."""
    try:
        arn = events.describe_connection(Name=name)["ConnectionArn"]
        return ProvisionedConnection(name=name, arn=arn, outcome="unchanged")
    except ClientError as error:
        if error_code(error) != "ResourceNotFoundException":
            raise
    api_key = secretsmanager.get_secret_value(SecretId=secret_name)["SecretString"]
    created = events.create_connection(
        Name=name,
        AuthorizationType="API_KEY",
        AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": header, "ApiKeyValue": api_key}},
    )
    return ProvisionedConnection(name=name, arn=created["ConnectionArn"], outcome="created")


def ensure_api_destination(
    events: EventBridgeClient,
    name: str,
    connection_arn: str,
    endpoint: str,
    method: Literal["POST", "PUT"],
    rate_limit: int,
) -> ProvisionedApiDestination:
    wanted: CreateApiDestinationRequestTypeDef = {
        "Name": name,
        "ConnectionArn": connection_arn,
        "InvocationEndpoint": endpoint,
        "HttpMethod": method,
        "InvocationRateLimitPerSecond": rate_limit,
    }
    try:
        current = events.describe_api_destination(Name=name)
    except ClientError as error:
        if error_code(error) != "ResourceNotFoundException":
            raise
        created = events.create_api_destination(**wanted)
        return ProvisionedApiDestination(name=name, arn=created["ApiDestinationArn"], outcome="created")
    if (
        current.get("ConnectionArn") == connection_arn
        and current.get("InvocationEndpoint") == endpoint
        and current.get("HttpMethod") == method
        and current.get("InvocationRateLimitPerSecond") == rate_limit
    ):
        return ProvisionedApiDestination(name=name, arn=current["ApiDestinationArn"], outcome="unchanged")
    updated = events.update_api_destination(**wanted)
    return ProvisionedApiDestination(name=name, arn=updated["ApiDestinationArn"], outcome="updated")


def ensure_rule(
    events: EventBridgeClient, bus: str, name: str, description: str, pattern: dict[str, Any], target: TargetTypeDef
) -> ProvisionedRule:
    outcome: Outcome
    try:
        current = events.describe_rule(Name=name, EventBusName=bus)
        targets = events.list_targets_by_rule(Rule=name, EventBusName=bus)["Targets"]
        rule_same = (
            json.loads(current.get("EventPattern", "{}")) == pattern
            and current.get("Description") == description
            and current.get("State") == "ENABLED"
        )
        outcome = "unchanged" if rule_same and _targets_equal(targets, [target]) else "updated"
    except ClientError as error:
        if error_code(error) != "ResourceNotFoundException":
            raise
        outcome = "created"
    if outcome == "unchanged":
        return ProvisionedRule(name=name, arn=current["Arn"], outcome=outcome)
    arn = events.put_rule(
        Name=name,
        EventBusName=bus,
        EventPattern=json.dumps(pattern, sort_keys=True),
        Description=description,
        State="ENABLED",
    )["RuleArn"]
    events.put_targets(Rule=name, EventBusName=bus, Targets=[target])
    return ProvisionedRule(name=name, arn=arn, outcome=outcome)


def _targets_equal(current: Sequence[Mapping[str, object]], wanted: Sequence[Mapping[str, object]]) -> bool:
    def key(target: Mapping[str, object]) -> str:
        return json.dumps({k: target.get(k) for k in ("Id", "Arn", "RoleArn", "HttpParameters")}, sort_keys=True)

    return sorted(map(key, current)) == sorted(map(key, wanted))
