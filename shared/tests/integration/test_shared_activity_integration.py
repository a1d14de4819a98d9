"""The activity pool against real Step Functions: tasks in, results and failures out, Catch records failures."""

import asyncio
import json
import uuid
from typing import Any

import aioboto3
import pytest
from shop_devtools.testing.events import wait_until
from shop_shared.activity import ActivityWorkerPool
from shop_shared.aws import LONG_POLL_READ_TIMEOUT, client_config
from shop_shared.topology import DeployedTopology

pytestmark = pytest.mark.integration


async def test_pool_serves_a_map_of_tasks_and_a_failure_is_caught(deployed_topology: DeployedTopology) -> None:
    name = f"pool-{uuid.uuid4().hex[:8]}"
    session = aioboto3.Session()
    config = client_config(read_timeout=LONG_POLL_READ_TIMEOUT)
    async with session.client("stepfunctions", config=config) as sfn:
        activity = (await sfn.create_activity(name=name))["activityArn"]
        definition = {
            "StartAt": "Each",
            "States": {
                "Each": {
                    "Type": "Map",
                    "ItemsPath": "$.numbers",
                    "ItemSelector": {"task": "square", "n.$": "$$.Map.Item.Value"},
                    "ItemProcessor": {
                        "ProcessorConfig": {"Mode": "INLINE"},
                        "StartAt": "Square",
                        "States": {
                            "Square": {
                                "Type": "Task",
                                "Resource": activity,
                                "TimeoutSeconds": 30,
                                "HeartbeatSeconds": 10,
                                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Failed"}],
                                "End": True,
                            },
                            "Failed": {"Type": "Pass", "Parameters": {"failed.$": "$.error.Error"}, "End": True},
                        },
                    },
                    "End": True,
                }
            },
        }
        machine = (
            await sfn.create_state_machine(
                name=name, definition=json.dumps(definition), roleArn="arn:aws:iam::000000000000:role/test"
            )
        )["stateMachineArn"]

        async def square(task: dict[str, Any]) -> dict[str, Any]:
            if task["n"] < 0:
                raise ValueError("negative")
            return {"square": task["n"] ** 2}

        pool = ActivityWorkerPool(sfn, activity, {"square": square}, worker_name="test", max_concurrent_tasks=2)
        stop = asyncio.Event()
        running = asyncio.create_task(pool.run(stop))
        try:
            execution = (await sfn.start_execution(stateMachineArn=machine, input=json.dumps({"numbers": [2, -1, 3]})))[
                "executionArn"
            ]

            async def finished() -> dict[str, Any] | None:
                described = await sfn.describe_execution(executionArn=execution)
                return None if described["status"] == "RUNNING" else described

            described = await wait_until(finished, timeout=30, message="execution finished")
            assert described["status"] == "SUCCEEDED"
            assert json.loads(described["output"]) == [{"square": 4}, {"failed": "ValueError"}, {"square": 9}]
        finally:
            stop.set()
            await asyncio.wait_for(running, timeout=10)
            await sfn.delete_state_machine(stateMachineArn=machine)
            await sfn.delete_activity(activityArn=activity)
