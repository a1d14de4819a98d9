"""`make batch`: start one monthly loyalty-tier run, wait for it, print its summary as JSON."""

from __future__ import annotations

import json
import sys
import time
import uuid
from typing import TYPE_CHECKING, Any

import boto3

from .emulators import aws_environment
from .runtime import configured_endpoints
from .supervisor import LOCAL_PREFIX

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient

__all__ = ["run_batch"]

STATE_MACHINE_KEY = "loyalty-tiers"


def run_batch(request: dict[str, Any], *, timeout: float = 600.0, prefix: str = LOCAL_PREFIX) -> int:
    endpoints = configured_endpoints()
    if not endpoints.healthy():
        print("the local system is not running: `make start` (or `make up` in another terminal) first", file=sys.stderr)
        return 1
    env = aws_environment(endpoints)
    session = boto3.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=env["AWS_REGION"],
    )
    sfn = session.client("stepfunctions", endpoint_url=endpoints.localstack_url)
    result = execute(sfn, f"{prefix}{STATE_MACHINE_KEY}", request, timeout=timeout)
    print(json.dumps(result, indent=2))
    return 0 if result["status"] == "SUCCEEDED" else 1


def execute(sfn: SFNClient, state_machine_name: str, request: dict[str, Any], *, timeout: float) -> dict[str, Any]:
    """Start an execution and wait for it; returns status, timing and the run summary (the output)."""
    machines = {m["name"]: m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]}
    if state_machine_name not in machines:
        raise SystemExit(f"state machine {state_machine_name} is not provisioned")
    name = f"tiers-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
    arn = sfn.start_execution(stateMachineArn=machines[state_machine_name], name=name, input=json.dumps(request))[
        "executionArn"
    ]
    deadline = time.monotonic() + timeout
    while True:
        execution = sfn.describe_execution(executionArn=arn)
        if execution["status"] != "RUNNING":
            break
        if time.monotonic() > deadline:
            sfn.stop_execution(executionArn=arn, error="Timeout", cause=f"make batch waited {timeout:.0f} s")
            execution = sfn.describe_execution(executionArn=arn)
            break
        time.sleep(0.5)
    result: dict[str, Any] = {
        "execution": name,
        "status": execution["status"],
        "seconds": round(
            (execution.get("stopDate", execution["startDate"]) - execution["startDate"]).total_seconds(), 3
        ),
    }
    if "output" in execution:
        result["summary"] = json.loads(execution["output"])
    for key in ("error", "cause"):
        if key in execution:
            result[key] = execution[key]
    return result
