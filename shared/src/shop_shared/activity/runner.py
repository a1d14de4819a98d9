"""A pool of Step Functions activity workers: long-poll tasks, heartbeat while working, report the result.

Tasks carry a `task` field naming the handler; each handler takes the task input and returns the output.
On stop: no new poll; a task still running after `shutdown_grace_seconds` is cancelled and reported with
SendTaskFailure (`Worker.Stopped`), so the state machine's Retry hands it to another worker at once instead
of waiting for the heartbeat timeout. A poll cancelled by the stop may still be handed a task (Step Functions
does not notice the hang-up, like SQS); that task times out on its heartbeat and is retried.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from botocore.exceptions import ClientError

from shop_shared.lifecycle import run_unless_stopped, sleep_or_stop

__all__ = ["ActivityWorkerPool", "TaskHandler"]

logger = logging.getLogger(__name__)

TaskHandler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]

# SendTaskFailure limits: error 256 characters, cause 32,768.
MAX_ERROR_LENGTH = 256
MAX_CAUSE_LENGTH = 32768
TASK_GONE_ERRORS = {"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"}
WORKER_STOPPED = "Worker.Stopped"  # matched by the state machine's States.TaskFailed retry


class _StoppedBeforeDone(Exception):
    """The shutdown grace ran out before the task's work finished."""


class ActivityWorkerPool:
    def __init__(
        self,
        sfn_client: Any,
        activity_arn: str,
        handlers: Mapping[str, TaskHandler],
        *,
        worker_name: str,
        max_concurrent_tasks: int = 4,
        heartbeat_interval_seconds: float = 10.0,
        shutdown_grace_seconds: float = 20.0,
    ) -> None:
        self._client = sfn_client
        self._activity_arn = activity_arn
        self._handlers = dict(handlers)
        self._worker_name = worker_name
        self._slots = max_concurrent_tasks
        self._heartbeat_interval = heartbeat_interval_seconds
        self._grace = shutdown_grace_seconds

    async def run(self, stop: asyncio.Event) -> None:
        """One long poll per free slot, so the pool never takes a task it has no capacity for."""
        async with asyncio.TaskGroup() as group:
            for slot in range(self._slots):
                group.create_task(self._poll_loop(stop, slot))

    async def _poll_loop(self, stop: asyncio.Event, slot: int) -> None:
        while not stop.is_set():
            try:
                task = await self._get_task_or_stop(stop)
            except Exception:
                logger.exception("GetActivityTask failed", extra={"slot": slot})
                await sleep_or_stop(stop, 2.0)
                continue
            if task and task.get("taskToken"):
                await self.run_task(task["taskToken"], json.loads(task.get("input") or "{}"), stop)

    async def run_task(self, token: str, task_input: dict[str, Any], stop: asyncio.Event | None = None) -> None:
        name = task_input.get("task")
        handler = self._handlers.get(str(name))
        if handler is None:
            await self._fail(token, "UnknownTask", f"no handler for task {name!r}")
            return
        work = asyncio.ensure_future(handler(task_input))
        heartbeat = asyncio.ensure_future(self._heartbeat(token, work))
        try:
            output = await self._finish_unless_stopped(work, stop)
        except _StoppedBeforeDone:
            logger.warning("task handed back: the worker is stopping", extra={"task": name})
            await self._fail(token, WORKER_STOPPED, f"worker stopped before finishing the {name} task; retry it")
            return
        except asyncio.CancelledError:
            if heartbeat.done() and heartbeat.result() is False:
                logger.warning("task given up: Step Functions no longer holds it", extra={"task": name})
                return
            raise
        except Exception as error:
            logger.exception("task failed", extra={"task": name})
            await self._fail(token, type(error).__name__, str(error) or repr(error))
            return
        finally:
            heartbeat.cancel()
        await self._client.send_task_success(taskToken=token, output=json.dumps(output))
        logger.info("task succeeded", extra={"task": name})

    async def _finish_unless_stopped(self, work: asyncio.Future[Any], stop: asyncio.Event | None) -> Any:
        """The work's output; after a stop, only if it finishes within the grace (else _StoppedBeforeDone)."""
        if stop is None:
            return await work
        stopped: asyncio.Future[Any] = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({work, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
        if not work.done():
            await asyncio.wait({work}, timeout=self._grace)
        if not work.done():
            work.cancel()
            await asyncio.gather(work, return_exceptions=True)
            raise _StoppedBeforeDone
        return work.result()

    async def _heartbeat(self, token: str, work: asyncio.Future[Any]) -> bool:
        """Heartbeat until the work ends; if the task is gone (timed out), cancel the work."""
        while not work.done():
            await asyncio.sleep(self._heartbeat_interval)
            try:
                await self._client.send_task_heartbeat(taskToken=token)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") in TASK_GONE_ERRORS:
                    work.cancel()
                    return False
                logger.warning("heartbeat failed; will retry", exc_info=True)
        return True

    async def _fail(self, token: str, error: str, cause: str) -> None:
        try:
            await self._client.send_task_failure(
                taskToken=token, error=error[:MAX_ERROR_LENGTH], cause=cause[:MAX_CAUSE_LENGTH]
            )
        except ClientError:
            # The task timed out meanwhile: Step Functions retries it anyway.
            logger.warning("could not report task failure", exc_info=True)

    async def _get_task_or_stop(self, stop: asyncio.Event) -> dict[str, Any] | None:
        # A task handed to a cancelled poll times out on its heartbeat and the state machine retries it.
        _, task = await run_unless_stopped(
            stop, self._client.get_activity_task(activityArn=self._activity_arn, workerName=self._worker_name)
        )
        return task
