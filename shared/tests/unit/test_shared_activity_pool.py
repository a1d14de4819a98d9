"""The activity pool reports success, failure and unknown tasks, and gives up a task it lost."""

import asyncio
import json
from typing import Any

from botocore.exceptions import ClientError
from shop_shared.activity import ActivityWorkerPool


class FakeStepFunctions:
    def __init__(self, heartbeat_error: str | None = None) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.heartbeat_error = heartbeat_error

    async def send_task_success(self, **kwargs: Any) -> None:
        self.calls.append(("success", kwargs))

    async def send_task_failure(self, **kwargs: Any) -> None:
        self.calls.append(("failure", kwargs))

    async def send_task_heartbeat(self, **kwargs: Any) -> None:
        self.calls.append(("heartbeat", kwargs))
        if self.heartbeat_error:
            raise ClientError({"Error": {"Code": self.heartbeat_error, "Message": ""}}, "SendTaskHeartbeat")


def pool(sfn: FakeStepFunctions, handlers: dict[str, Any], heartbeat: float = 0.02) -> ActivityWorkerPool:
    return ActivityWorkerPool(sfn, "arn", handlers, worker_name="t", heartbeat_interval_seconds=heartbeat)


async def test_success_sends_the_output_and_heartbeats_while_working() -> None:
    async def slow(task: dict[str, Any]) -> dict[str, Any]:
        await asyncio.sleep(0.1)
        return {"doubled": task["n"] * 2}

    sfn = FakeStepFunctions()
    await pool(sfn, {"double": slow}).run_task("tok", {"task": "double", "n": 21})
    kinds = [kind for kind, _ in sfn.calls]
    assert "heartbeat" in kinds
    assert sfn.calls[-1] == ("success", {"taskToken": "tok", "output": json.dumps({"doubled": 42})})


async def test_a_failing_handler_reports_error_and_cause() -> None:
    async def broken(_: dict[str, Any]) -> dict[str, Any]:
        raise ValueError("segment unreadable")

    sfn = FakeStepFunctions()
    await pool(sfn, {"broken": broken}).run_task("tok", {"task": "broken"})
    assert sfn.calls == [("failure", {"taskToken": "tok", "error": "ValueError", "cause": "segment unreadable"})]


async def test_an_unknown_task_is_failed_not_dropped() -> None:
    sfn = FakeStepFunctions()
    await pool(sfn, {}).run_task("tok", {"task": "mystery"})
    assert sfn.calls[0][0] == "failure" and sfn.calls[0][1]["error"] == "UnknownTask"


async def test_work_is_cancelled_when_step_functions_no_longer_holds_the_task() -> None:
    cancelled = asyncio.Event()

    async def endless(_: dict[str, Any]) -> dict[str, Any]:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return {}

    sfn = FakeStepFunctions(heartbeat_error="TaskTimedOut")
    await asyncio.wait_for(pool(sfn, {"endless": endless}).run_task("tok", {"task": "endless"}), timeout=5)
    assert cancelled.is_set()
    assert [kind for kind, _ in sfn.calls] == ["heartbeat"]  # neither success nor failure is reported


async def test_a_task_finishing_within_the_grace_after_a_stop_still_succeeds() -> None:
    stop = asyncio.Event()

    async def short(_: dict[str, Any]) -> dict[str, Any]:
        stop.set()  # the stop arrives while the task runs
        await asyncio.sleep(0.05)
        return {"done": True}

    sfn = FakeStepFunctions()
    workers = ActivityWorkerPool(sfn, "arn", {"short": short}, worker_name="t", shutdown_grace_seconds=1.0)
    await workers.run_task("tok", {"task": "short"}, stop)
    assert sfn.calls[-1] == ("success", {"taskToken": "tok", "output": json.dumps({"done": True})})


async def test_a_task_outlasting_the_grace_is_cancelled_and_failed_back_for_a_retry() -> None:
    stop = asyncio.Event()
    cancelled = asyncio.Event()

    async def endless(_: dict[str, Any]) -> dict[str, Any]:
        stop.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return {}

    sfn = FakeStepFunctions()
    workers = ActivityWorkerPool(sfn, "arn", {"endless": endless}, worker_name="t", shutdown_grace_seconds=0.1)
    await asyncio.wait_for(workers.run_task("tok", {"task": "endless"}, stop), 5)
    assert cancelled.is_set()
    kind, call = sfn.calls[-1]
    assert (kind, call["taskToken"], call["error"]) == ("failure", "tok", "Worker.Stopped")
