"""The activity pool against real Step Functions: tasks in, results and failures out, Catch records failures;
a result for a timed-out task is dropped while the other slots go on."""

import asyncio
import json
import uuid
from typing import Any

import aioboto3
import pytest
from shop_devtools.testing.events import wait_until
from shop_shared.activity import ActivityWorkerPool
from shop_shared.activity.errors import TASK_GONE_ERRORS
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


async def test_a_result_for_a_timed_out_task_is_dropped_and_the_other_slots_complete_theirs(
    local_aws: Any, caplog: pytest.LogCaptureFixture
) -> None:
    name = f"late-{uuid.uuid4().hex[:8]}"
    session = aioboto3.Session()
    config = client_config(read_timeout=LONG_POLL_READ_TIMEOUT)
    async with session.client("stepfunctions", config=config) as sfn:
        activity = (await sfn.create_activity(name=name))["activityArn"]
        # The late task times out after 2 s and its execution fails with States.Timeout. AWS then answers the late
        # SendTaskSuccess with TaskTimedOut; LocalStack (it keeps no record of timed-out tokens) with InvalidToken.
        late = {
            "StartAt": "Late",
            "States": {"Late": {"Type": "Task", "Resource": activity, "TimeoutSeconds": 2, "End": True}},
        }
        square_state = {"Type": "Task", "Resource": activity, "TimeoutSeconds": 30, "End": True}
        squares = {
            "StartAt": "Each",
            "States": {
                "Each": {
                    "Type": "Map",
                    "ItemsPath": "$.numbers",
                    "ItemSelector": {"task": "square", "n.$": "$$.Map.Item.Value"},
                    "ItemProcessor": {
                        "ProcessorConfig": {"Mode": "INLINE"},
                        "StartAt": "Square",
                        "States": {"Square": square_state},
                    },
                    "End": True,
                }
            },
        }
        role = "arn:aws:iam::000000000000:role/test"
        machines = [
            (await sfn.create_state_machine(name=f"{name}-{kind}", definition=json.dumps(body), roleArn=role))[
                "stateMachineArn"
            ]
            for kind, body in (("late", late), ("squares", squares))
        ]
        late_machine, squares_machine = machines
        late_execution: asyncio.Future[str] = asyncio.get_running_loop().create_future()

        async def ended(execution: str, what: str) -> dict[str, Any]:
            async def probe() -> dict[str, Any] | None:
                described = await sfn.describe_execution(executionArn=execution)
                return None if described["status"] == "RUNNING" else described

            return await wait_until(probe, timeout=30, message=what)

        async def slow(_: dict[str, Any]) -> dict[str, Any]:
            # Slower than the task's timeout, without guessing durations: finish once the execution timed out.
            await ended(await asyncio.wait_for(asyncio.shield(late_execution), timeout=10), "late task timed out")
            return {"late": True}

        async def square(task: dict[str, Any]) -> dict[str, Any]:
            return {"square": task["n"] ** 2}

        async def run_squares(numbers: list[int]) -> dict[str, Any]:
            started = await sfn.start_execution(stateMachineArn=squares_machine, input=json.dumps({"numbers": numbers}))
            return await ended(started["executionArn"], "squares finished")

        def dropped() -> list[str]:
            return [r.getMessage() for r in caplog.records if r.getMessage().startswith("result dropped")]

        async def late_dropped() -> bool:
            return bool(dropped())

        caplog.set_level("INFO", logger="shop_shared.activity.runner")
        # No heartbeat within this test (interval beyond it): the late result itself must meet the timeout.
        handlers = {"slow": slow, "square": square}
        pool = ActivityWorkerPool(
            sfn, activity, handlers, worker_name="test", max_concurrent_tasks=2, heartbeat_interval_seconds=600
        )
        stop = asyncio.Event()
        running = asyncio.create_task(pool.run(stop))
        try:
            started = await sfn.start_execution(stateMachineArn=late_machine, input=json.dumps({"task": "slow"}))
            late_execution.set_result(started["executionArn"])
            # While one slot waits on the late task, the other serves a whole map.
            during = await run_squares([2, 3])
            await wait_until(late_dropped, timeout=30, message="late result dropped")
            # After its result was refused, the pool polls on with every slot.
            after = await run_squares([4, 5, 6])

            [message] = dropped()
            assert message.startswith("result dropped: the task is gone (")
            assert message.removeprefix("result dropped: the task is gone (").rstrip(")") in TASK_GONE_ERRORS
            late_ended = await sfn.describe_execution(executionArn=started["executionArn"])
            assert (late_ended["status"], late_ended.get("error")) == ("FAILED", "States.Timeout")
            assert (during["status"], json.loads(during["output"])) == ("SUCCEEDED", [{"square": 4}, {"square": 9}])
            assert (after["status"], json.loads(after["output"])) == (
                "SUCCEEDED",
                [{"square": 16}, {"square": 25}, {"square": 36}],
            )
            assert not running.done()
        finally:
            stop.set()
            late_execution.cancel()
            await asyncio.wait_for(running, timeout=10)
            for machine in machines:
                await sfn.delete_state_machine(stateMachineArn=machine)
            await sfn.delete_activity(activityArn=activity)
