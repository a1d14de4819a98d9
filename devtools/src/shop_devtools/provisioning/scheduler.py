"""EventBridge Scheduler schedules that start a state machine."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError
from shop_shared.topology import Schedule

from .common import Provisioned, error_code

if TYPE_CHECKING:
    from mypy_boto3_scheduler import EventBridgeSchedulerClient
    from mypy_boto3_scheduler.type_defs import CreateScheduleInputTypeDef, GetScheduleOutputTypeDef

__all__ = ["ProvisionedSchedule", "ensure_schedule"]


@dataclass(frozen=True, kw_only=True)
class ProvisionedSchedule(Provisioned):
    """A schedule in the default group."""


def ensure_schedule(
    scheduler: EventBridgeSchedulerClient, name: str, schedule: Schedule, target_arn: str, role_arn: str
) -> ProvisionedSchedule:
    """An EventBridge Scheduler schedule that starts the state machine (LocalStack keeps it but never fires it)."""
    wanted: CreateScheduleInputTypeDef = {
        "Name": name,
        "ScheduleExpression": schedule.expression,
        "ScheduleExpressionTimezone": schedule.timezone,
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {"Arn": target_arn, "RoleArn": role_arn, "Input": json.dumps(schedule.input)},
        "Description": schedule.description,
        "State": "ENABLED",
    }
    try:
        current = scheduler.get_schedule(Name=name)
    except ClientError as error:
        if error_code(error) != "ResourceNotFoundException":
            raise
        created = scheduler.create_schedule(**wanted)
        return ProvisionedSchedule(name=name, arn=created["ScheduleArn"], outcome="created")
    if _matches(current, wanted):
        return ProvisionedSchedule(name=name, arn=current["Arn"], outcome="unchanged")
    updated = scheduler.update_schedule(**wanted)
    return ProvisionedSchedule(name=name, arn=updated["ScheduleArn"], outcome="updated")


def _matches(current: GetScheduleOutputTypeDef, wanted: CreateScheduleInputTypeDef) -> bool:
    """Whether the stored schedule has every setting and target field we declare (it has more of its own)."""
    stored_target = current["Target"]
    return (
        current.get("ScheduleExpression") == wanted["ScheduleExpression"]
        and current.get("ScheduleExpressionTimezone") == wanted.get("ScheduleExpressionTimezone")
        and current.get("FlexibleTimeWindow") == wanted["FlexibleTimeWindow"]
        and current.get("Description") == wanted.get("Description")
        and current.get("State") == wanted.get("State")
        and stored_target.get("Arn") == wanted["Target"]["Arn"]
        and stored_target.get("RoleArn") == wanted["Target"]["RoleArn"]
        and stored_target.get("Input") == wanted["Target"].get("Input")
    )
