"""The Step Functions calls of shopctl: state machines by name, starting an execution, recent executions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .session import explained

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions.client import SFNClient

__all__ = ["Executions", "Workflows"]

_FAILED_EXECUTION = ("FAILED", "TIMED_OUT", "ABORTED")


@dataclass(frozen=True)
class Executions:
    running: int
    failed: list[tuple[str, str, datetime]]  # (execution name, status, stopped at), newest first


class Workflows:
    """The Step Functions questions of ShopAws, which opens the client."""

    stepfunctions: SFNClient

    def state_machine_arn(self, name: str) -> str | None:
        with explained("ListStateMachines"):
            for page in self.stepfunctions.get_paginator("list_state_machines").paginate():
                for machine in page["stateMachines"]:
                    if machine["name"] == name:
                        return machine["stateMachineArn"]
        return None

    def start_execution(self, arn: str, name: str, execution_input: dict[str, Any]) -> str:
        with explained(f"StartExecution of {arn}"):
            return self.stepfunctions.start_execution(
                stateMachineArn=arn, name=name, input=json.dumps(execution_input)
            )["executionArn"]

    def executions(self, arn: str, *, failed_since: datetime) -> Executions:
        running = 0
        failed: list[tuple[str, str, datetime]] = []
        with explained(f"state machine {arn}"):
            for page in self.stepfunctions.get_paginator("list_executions").paginate(
                stateMachineArn=arn, statusFilter="RUNNING"
            ):
                running += len(page["executions"])
            for status in _FAILED_EXECUTION:
                # Newest first: stop at the first page that reaches back before the window.
                for page in self.stepfunctions.get_paginator("list_executions").paginate(
                    stateMachineArn=arn,
                    statusFilter=status,  # type: ignore[arg-type]
                ):
                    recent = [e for e in page["executions"] if e.get("stopDate") and e["stopDate"] >= failed_since]
                    failed += [(e["name"], status, e["stopDate"]) for e in recent]
                    if len(recent) < len(page["executions"]):
                        break
        return Executions(running, sorted(failed, key=lambda item: item[2], reverse=True))
