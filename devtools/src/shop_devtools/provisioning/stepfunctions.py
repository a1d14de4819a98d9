"""Step Functions activities and state machines."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .common import Provisioned

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient

__all__ = ["ProvisionedActivity", "ProvisionedStateMachine", "ensure_activity", "ensure_state_machine"]


@dataclass(frozen=True, kw_only=True)
class ProvisionedActivity(Provisioned):
    """An activity that workers poll for tasks."""


@dataclass(frozen=True, kw_only=True)
class ProvisionedStateMachine(Provisioned):
    """A standard state machine."""


def ensure_activity(sfn: SFNClient, name: str) -> ProvisionedActivity:
    existing = {activity["name"] for activity in sfn.list_activities()["activities"]}
    arn = sfn.create_activity(name=name)["activityArn"]  # CreateActivity is idempotent by name
    return ProvisionedActivity(name=name, arn=arn, outcome="unchanged" if name in existing else "created")


def ensure_state_machine(
    sfn: SFNClient, name: str, definition: dict[str, Any], role_arn: str
) -> ProvisionedStateMachine:
    machines = {machine["name"]: machine["stateMachineArn"] for machine in sfn.list_state_machines()["stateMachines"]}
    if name not in machines:
        created = sfn.create_state_machine(
            name=name, definition=json.dumps(definition), roleArn=role_arn, type="STANDARD"
        )
        return ProvisionedStateMachine(name=name, arn=created["stateMachineArn"], outcome="created")
    arn = machines[name]
    current = json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"])
    if current == definition:
        return ProvisionedStateMachine(name=name, arn=arn, outcome="unchanged")
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(definition), roleArn=role_arn)
    return ProvisionedStateMachine(name=name, arn=arn, outcome="updated")
