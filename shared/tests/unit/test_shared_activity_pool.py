"""The activity pool reports success, failure and unknown tasks, gives up a task it lost, and survives any one
task's error: a slot reports its own task's trouble and polls on; only a pool that can no longer poll ends."""

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import aioboto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from shop_devtools.testing.events import wait_until
from shop_shared.activity import ActivityWorkerPool, PollPolicy
from shop_shared.aws import client_config
from shop_shared.lifecycle import BackgroundWorkers


def client_error(code: str, operation: str = "SendTaskSuccess") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": ""}}, operation)


class FakeStepFunctions:
    """Step Functions at the boundary: tasks handed out by `get_activity_task`, every call recorded.

    `errors[(operation, token)]` lists what the next such calls raise, in order (token "" for polls)."""

    def __init__(self, heartbeat_error: str | None = None) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.heartbeat_error = heartbeat_error
        self.tasks: asyncio.Queue[dict[str, str]] = asyncio.Queue()
        self.errors: dict[tuple[str, str], list[Exception]] = {}
        self.polls = 0

    def hand_out(self, token: str, task_input: str) -> None:
        self.tasks.put_nowait({"taskToken": token, "input": task_input})

    def _raise_next(self, operation: str, token: str) -> None:
        pending = self.errors.get((operation, token))
        if pending:
            raise pending.pop(0)

    async def get_activity_task(self, **kwargs: Any) -> dict[str, str]:
        self.polls += 1
        self._raise_next("poll", "")
        try:  # a long poll, shortened: an empty answer when nothing comes
            return await asyncio.wait_for(self.tasks.get(), timeout=0.2)
        except TimeoutError:
            return {}

    async def send_task_success(self, **kwargs: Any) -> None:
        self.calls.append(("success", kwargs))
        self._raise_next("success", kwargs["taskToken"])

    async def send_task_failure(self, **kwargs: Any) -> None:
        self.calls.append(("failure", kwargs))
        self._raise_next("failure", kwargs["taskToken"])

    async def send_task_heartbeat(self, **kwargs: Any) -> None:
        self.calls.append(("heartbeat", kwargs))
        self._raise_next("heartbeat", kwargs["taskToken"])
        if self.heartbeat_error:
            raise client_error(self.heartbeat_error, "SendTaskHeartbeat")

    def sent(self, kind: str, token: str) -> list[dict[str, Any]]:
        return [call for sent_kind, call in self.calls if sent_kind == kind and call["taskToken"] == token]


def pool(
    sfn: FakeStepFunctions, handlers: dict[str, Any], heartbeat: float = 0.02, **options: Any
) -> ActivityWorkerPool:
    return ActivityWorkerPool(sfn, "arn", handlers, worker_name="t", heartbeat_interval_seconds=heartbeat, **options)


async def eventually(condition: Callable[[], object], what: str) -> None:
    """wait_until (bounded) for a plain, not awaited, condition."""

    async def probe() -> object:
        return condition()

    await wait_until(probe, timeout=5, interval=0.01, message=what)


def task(name: str, **fields: Any) -> str:
    return json.dumps({"task": name, **fields})


async def echo(task_input: dict[str, Any]) -> dict[str, Any]:
    return {"echo": task_input.get("n")}


@pytest.fixture
async def running() -> AsyncIterator[Any]:
    """Starts pools under BackgroundWorkers, as a service does; stops them (bounded) after the test."""
    workers = BackgroundWorkers()

    def start(workers_pool: ActivityWorkerPool) -> BackgroundWorkers:
        workers.start("activity-workers", workers_pool.run)
        return workers

    yield start
    await asyncio.wait_for(workers.shutdown(grace_seconds=2), timeout=5)


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


async def test_a_failing_handler_reports_only_the_first_line_of_its_message() -> None:
    async def broken(_: dict[str, Any]) -> dict[str, Any]:
        raise ValueError("1 validation error for Task\n  input_value='jane@example.com'")

    sfn = FakeStepFunctions()
    await pool(sfn, {"broken": broken}).run_task("tok", {"task": "broken"})
    assert sfn.calls == [
        ("failure", {"taskToken": "tok", "error": "ValueError", "cause": "1 validation error for Task"})
    ]


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (client_error("TaskTimedOut"), "TaskGone"),
        (client_error("TaskDoesNotExist"), "TaskGone"),
        (client_error("InvalidToken"), "TaskGone"),
        (ReadTimeoutError(endpoint_url="http://127.0.0.1:9"), "SendFailed"),  # what the client's retries left
    ],
)
async def test_a_result_that_cannot_be_sent_is_dropped_and_every_other_slot_works_on(
    running: Any, capsys: pytest.CaptureFixture[str], error: Exception, reason: str
) -> None:
    released = asyncio.Event()

    async def held(_: dict[str, Any]) -> dict[str, Any]:
        await asyncio.wait_for(released.wait(), timeout=5)
        return {"held": True}

    sfn = FakeStepFunctions()
    sfn.errors[("success", "late")] = [error]
    workers = running(pool(sfn, {"held": held, "echo": echo}, max_concurrent_tasks=2))
    sfn.hand_out("held", task("held"))  # one slot is busy with this while the other slot's result is refused
    sfn.hand_out("late", task("echo", n=1))
    await eventually(lambda: sfn.sent("success", "late"), "late result sent")
    released.set()
    await eventually(lambda: sfn.sent("success", "held"), "held task reported")
    sfn.hand_out("next", task("echo", n=2))  # the slot whose result was dropped polls on
    await eventually(lambda: sfn.sent("success", "next"), "next task reported")
    assert workers.unhealthy() == []
    dropped = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "ActivityResultsDropped" in line]
    assert [(line["ActivityResultsDropped"], line["Reason"], line["Activity"]) for line in dropped] == [
        (1, reason, "arn")
    ]


@pytest.mark.parametrize("raw_input", ["{not json", "[1, 2]", '"text"'])
async def test_input_that_is_not_a_json_object_fails_the_task_and_the_slot_polls_on(
    running: Any, raw_input: str
) -> None:
    sfn = FakeStepFunctions()
    running(pool(sfn, {"echo": echo}, max_concurrent_tasks=1))
    sfn.hand_out("bad", raw_input)
    sfn.hand_out("good", task("echo", n=3))
    await eventually(lambda: sfn.sent("success", "good"), "good task reported")
    assert sfn.sent("failure", "bad") == [
        {"taskToken": "bad", "error": "InvalidInput", "cause": "the task input is not a JSON object"}
    ]


async def test_heartbeats_beat_on_after_read_timeouts_throttling_and_lost_connections() -> None:
    sfn = FakeStepFunctions()
    sfn.errors[("heartbeat", "tok")] = [
        ReadTimeoutError(endpoint_url="http://127.0.0.1:9"),
        client_error("ThrottlingException", "SendTaskHeartbeat"),
        EndpointConnectionError(endpoint_url="http://127.0.0.1:9"),
    ]

    async def long(_: dict[str, Any]) -> dict[str, Any]:
        # Ends only once a heartbeat got through after the three failed ones.
        await eventually(lambda: len(sfn.sent("heartbeat", "tok")) >= 4, "a heartbeat through")
        return {"done": True}

    await asyncio.wait_for(pool(sfn, {"long": long}).run_task("tok", {"task": "long"}), timeout=10)
    assert sfn.calls[-1] == ("success", {"taskToken": "tok", "output": json.dumps({"done": True})})


async def test_a_heartbeat_finding_the_task_gone_cancels_the_handler_and_the_slot_polls_on(running: Any) -> None:
    cancelled = asyncio.Event()

    async def endless(_: dict[str, Any]) -> dict[str, Any]:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return {}

    sfn = FakeStepFunctions()
    sfn.errors[("heartbeat", "gone")] = [client_error("TaskTimedOut", "SendTaskHeartbeat")]
    running(pool(sfn, {"endless": endless, "echo": echo}, max_concurrent_tasks=1))
    sfn.hand_out("gone", task("endless"))
    await asyncio.wait_for(cancelled.wait(), timeout=5)
    sfn.hand_out("next", task("echo", n=4))
    await eventually(lambda: sfn.sent("success", "next"), "next task reported")
    assert sfn.sent("success", "gone") == sfn.sent("failure", "gone") == []


async def test_cancelling_the_pool_cancels_the_handlers_in_flight() -> None:
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def endless(_: dict[str, Any]) -> dict[str, Any]:
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return {}

    sfn = FakeStepFunctions()
    run = asyncio.create_task(pool(sfn, {"endless": endless}, max_concurrent_tasks=2).run(asyncio.Event()))
    sfn.hand_out("tok", task("endless"))
    await asyncio.wait_for(started.wait(), timeout=5)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(run, timeout=5)
    assert cancelled.is_set()  # already, not later: no handler runs on unsupervised


async def test_transient_poll_errors_are_retried_without_ending_the_pool(running: Any) -> None:
    sfn = FakeStepFunctions()
    sfn.errors[("poll", "")] = [EndpointConnectionError(endpoint_url="http://127.0.0.1:9")] * 6 + [
        client_error("ThrottlingException", "GetActivityTask")
    ] * 6
    policy = PollPolicy(max_failures=2, first_backoff_seconds=0.001, max_backoff_seconds=0.01)
    workers = running(pool(sfn, {"echo": echo}, max_concurrent_tasks=1, poll_policy=policy))
    sfn.hand_out("tok", task("echo", n=5))
    await eventually(lambda: sfn.sent("success", "tok"), "task reported")
    assert sfn.polls > 12 and workers.unhealthy() == []


@pytest.mark.parametrize("code", ["ActivityDoesNotExist", "AccessDeniedException"])
async def test_a_pool_that_can_no_longer_poll_ends_and_the_service_turns_unhealthy(running: Any, code: str) -> None:
    sfn = FakeStepFunctions()
    sfn.errors[("poll", "")] = [client_error(code, "GetActivityTask")] * 100
    policy = PollPolicy(max_failures=3, first_backoff_seconds=0.001, max_backoff_seconds=0.01)
    workers = running(pool(sfn, {"echo": echo}, max_concurrent_tasks=2, poll_policy=policy))
    await eventually(lambda: workers.unhealthy() == ["activity-workers"], "pool ended")
    assert sfn.polls <= 2 * 3  # bounded: each slot gives up after its third failure


async def test_a_slot_giving_up_lets_the_other_slots_hand_their_tasks_back(running: Any) -> None:
    started = asyncio.Event()

    async def endless(_: dict[str, Any]) -> dict[str, Any]:
        started.set()
        await asyncio.sleep(60)
        return {}

    sfn = FakeStepFunctions()
    policy = PollPolicy(max_failures=1, first_backoff_seconds=0.001, max_backoff_seconds=0.01)
    workers = running(
        pool(sfn, {"endless": endless}, max_concurrent_tasks=2, poll_policy=policy, shutdown_grace_seconds=0.1)
    )
    sfn.hand_out("tok", task("endless"))
    await asyncio.wait_for(started.wait(), timeout=5)
    sfn.errors[("poll", "")] = [client_error("ActivityDoesNotExist", "GetActivityTask")] * 100
    await eventually(lambda: workers.unhealthy() == ["activity-workers"], "pool ended")
    assert [call["error"] for call in sfn.sent("failure", "tok")] == ["Worker.Stopped"]


async def test_a_throttled_result_is_retried_by_the_client_a_bounded_number_of_times_then_dropped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Through a real aioboto3 client with our client_config, against a stand-in endpoint that always throttles."""
    targets: list[str] = []

    async def throttle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        fields = [line.split(": ", 1) for line in head.split("\r\n")[1:] if ": " in line]
        headers = {key.lower(): value for key, value in fields}
        await reader.readexactly(int(headers.get("content-length", "0")))
        targets.append(headers.get("x-amz-target", ""))
        body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()
        writer.write(
            b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.0\r\n"
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(throttle, "127.0.0.1", 0)
    endpoint = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    session = aioboto3.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
    try:
        config = client_config(max_attempts=2)
        async with session.client("stepfunctions", endpoint_url=endpoint, config=config) as sfn:
            workers = ActivityWorkerPool(sfn, "arn", {"echo": echo}, worker_name="t", heartbeat_interval_seconds=600)
            await asyncio.wait_for(workers.run_task("tok", {"task": "echo", "n": 1}), timeout=30)
    finally:
        server.close()
        await server.wait_closed()
    # botocore's retries["max_attempts"] counts the retries: the first call and 2 more, then the result is dropped.
    assert targets == ["AWSStepFunctions.SendTaskSuccess"] * 3
    assert '"Reason": "SendFailed"' in capsys.readouterr().out
