"""A pool of Step Functions activity workers: long-poll tasks, heartbeat while working, report the result.

Tasks carry a `task` field naming the handler; each handler takes the task input and returns the output.
One task's trouble never ends the pool: each slot reports its own task's failure (SendTaskFailure with the
error's class name and a one-line cause, never the input) and polls on. A result Step Functions no longer
takes (TaskTimedOut, TaskDoesNotExist, InvalidToken) or that cannot be sent is logged, counted
(`ActivityResultsDropped`) and dropped. Transient errors of those calls are retried by the client itself:
open it with `shop_shared.aws.client_config` (botocore's standard mode: up to `max_attempts` retries, with
backoff, of throttling, 5xx, connection errors and read timeouts). Heartbeats go on through such errors and
stop only when the task is gone, cancelling its handler. `run()` ends on its own only when the pool can no
longer poll (see PollPolicy), so that the service's health check reports it.

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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shop_shared.lifecycle import run_unless_stopped, sleep_or_stop
from shop_shared.observability.tracing import mark_current_span_failed, traced

from .errors import error_name, is_transient, task_is_gone
from .metrics import ActivityMetrics

if TYPE_CHECKING:
    from types_aiobotocore_stepfunctions import SFNClient
    from types_aiobotocore_stepfunctions.type_defs import GetActivityTaskOutputTypeDef

__all__ = ["ActivityWorkerPool", "PollPolicy", "TaskHandler"]

logger = logging.getLogger(__name__)

TaskHandler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]

# SendTaskFailure allows an error of 256 characters and a cause of 32,768; a short cause keeps data out of it.
MAX_ERROR_LENGTH = 256
MAX_CAUSE_LENGTH = 256
WORKER_STOPPED = "Worker.Stopped"  # matched by the state machine's States.TaskFailed retry


@dataclass(frozen=True)
class PollPolicy:
    """How long GetActivityTask may fail before the pool gives up.

    Transient errors (network, throttling, 5xx) are retried for ever, with backoff: the pool is fine, AWS is
    not. `max_failures` consecutive non-transient errors (ActivityDoesNotExist, AccessDenied ...) end the pool.
    """

    max_failures: int = 5
    first_backoff_seconds: float = 1.0
    max_backoff_seconds: float = 30.0

    def backoff(self, failed_polls: int) -> float:
        return min(self.max_backoff_seconds, self.first_backoff_seconds * 2.0 ** (failed_polls - 1))


class ActivityWorkerPool:
    def __init__(
        self,
        sfn_client: SFNClient,
        activity_arn: str,
        handlers: Mapping[str, TaskHandler],
        *,
        worker_name: str,
        max_concurrent_tasks: int = 4,
        heartbeat_interval_seconds: float = 10.0,
        shutdown_grace_seconds: float = 20.0,
        poll_policy: PollPolicy = PollPolicy(),
        metrics: ActivityMetrics | None = None,
    ) -> None:
        self._client = sfn_client
        self._activity_arn = activity_arn
        self._handlers = dict(handlers)
        self._worker_name = worker_name
        self._slots = max_concurrent_tasks
        self._heartbeat_interval = heartbeat_interval_seconds
        self._grace = shutdown_grace_seconds
        self._poll_policy = poll_policy
        self._metrics = metrics or ActivityMetrics(activity_arn.rsplit(":", 1)[-1])

    async def run(self, stop: asyncio.Event) -> None:
        """One long poll per free slot, so the pool never takes a task it has no capacity for.

        Returns after `stop`, or when a slot can no longer poll: the other slots then wind down as on a stop.
        """
        halt = asyncio.Event()  # set by the service's stop, or by a slot that gave up polling
        relay = asyncio.create_task(_set_when_set(stop, halt))
        try:
            async with asyncio.TaskGroup() as group:
                for slot in range(self._slots):
                    group.create_task(self._poll_loop(halt, slot))
        finally:
            relay.cancel()
        if not stop.is_set():
            logger.error("activity pool ended: it can no longer poll", extra={"activity": self._activity_arn})

    async def _poll_loop(self, halt: asyncio.Event, slot: int) -> None:
        failed_polls = 0  # consecutive, of any kind: sets the backoff
        hard_failures = 0  # consecutive non-transient ones: end the pool
        while not halt.is_set():
            try:
                task = await self._get_task_or_stop(halt)
            except Exception as error:
                failed_polls += 1
                hard_failures = 0 if is_transient(error) else hard_failures + 1
                if hard_failures >= self._poll_policy.max_failures:
                    logger.error("GetActivityTask keeps failing; giving up", exc_info=True, extra={"slot": slot})
                    halt.set()
                    return
                logger.warning("GetActivityTask failed; retrying", exc_info=True, extra={"slot": slot})
                await sleep_or_stop(halt, self._poll_policy.backoff(failed_polls))
                continue
            failed_polls = hard_failures = 0
            if task and task.get("taskToken"):
                await self._serve(task, halt, slot)

    async def _serve(self, task: GetActivityTaskOutputTypeDef, stop: asyncio.Event, slot: int) -> None:
        token = task["taskToken"]
        try:
            task_input = json.loads(task.get("input") or "{}")
        except (TypeError, ValueError):
            task_input = None
        if not isinstance(task_input, dict):
            await self._fail(token, "?", "InvalidInput", "the task input is not a JSON object")
            return
        try:
            await self.run_task(token, task_input, stop)
        except Exception:
            # run_task reports its own task's errors; this last guard keeps the slot polling whatever happens.
            logger.exception("task could not be run", extra={"slot": slot})

    async def run_task(self, token: str, task_input: dict[str, Any], stop: asyncio.Event | None = None) -> None:
        """Run one task and report its outcome. When cancelled, it cancels the handler's work before raising.

        The task's span continues the trace in the input's `traceparent` when the state machine passes one (the
        tier run hands the plan's to every chunk, so one execution is one trace); otherwise it starts a trace.
        """
        name = str(task_input.get("task"))
        handler = self._handlers.get(name)
        if handler is None:
            await self._fail(token, name, "UnknownTask", f"no handler for task {name!r}")
            return
        traceparent = task_input.get("traceparent")
        attributes = {"shop.activity.task": name, "shop.activity": self._activity_arn.rsplit(":", 1)[-1]}
        with traced(
            f"activity {name}", attributes=attributes, parent=traceparent if isinstance(traceparent, str) else None
        ):
            await self._run_traced(token, name, handler, task_input, stop)

    async def _run_traced(
        self, token: str, name: str, handler: TaskHandler, task_input: dict[str, Any], stop: asyncio.Event | None
    ) -> None:
        work = asyncio.ensure_future(_invoke(handler, task_input))
        lost = asyncio.Event()
        heartbeat = asyncio.ensure_future(self._heartbeat(token, work, lost))
        try:
            finished = await self._wait_unless_stopped(work, stop)
        finally:
            # Whatever ends the wait (even our own cancellation), no handler runs on unsupervised.
            heartbeat.cancel()
            work.cancel()
            await asyncio.gather(work, heartbeat, return_exceptions=True)
        if lost.is_set():
            logger.warning("task given up: Step Functions no longer holds it", extra={"task": name})
            await self._metrics.result_dropped("TaskGone")
        elif not finished:
            logger.warning("task handed back: the worker is stopping", extra={"task": name})
            await self._fail(token, name, WORKER_STOPPED, f"worker stopped before finishing the {name} task; retry it")
        else:
            await self._report(token, name, work)

    async def _wait_unless_stopped(self, work: asyncio.Future[Any], stop: asyncio.Event | None) -> bool:
        """Wait for the work; after a stop, at most the grace. True when the work is done."""
        if stop is None:
            await asyncio.wait({work})
            return True
        stopped: asyncio.Future[Any] = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({work, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
        if not work.done():
            await asyncio.wait({work}, timeout=self._grace)
        return work.done()

    async def _report(self, token: str, name: str, work: asyncio.Future[Any]) -> None:
        if work.cancelled():
            await self._fail(token, name, "TaskCancelled", f"the {name} task's work was cancelled")
            return
        error = work.exception()
        if error is not None:
            logger.error("task failed", exc_info=error, extra={"task": name})
            mark_current_span_failed(error)
            await self._fail(token, name, type(error).__name__, _short_cause(error))
            return
        try:
            output = json.dumps(work.result())
        except (TypeError, ValueError) as error:
            logger.error("task output is not JSON", exc_info=error, extra={"task": name})
            await self._fail(token, name, "InvalidOutput", f"the {name} task's output is not JSON-serialisable")
            return
        if await self._send(name, self._client.send_task_success(taskToken=token, output=output)):
            logger.info("task succeeded", extra={"task": name})

    async def _heartbeat(self, token: str, work: asyncio.Future[Any], lost: asyncio.Event) -> None:
        """Heartbeat until the work ends. Only a task that is gone stops it, and cancels the work: nobody
        would take its result. Other failures (read timeouts, throttling) may pass: beat on."""
        while not work.done():
            await asyncio.sleep(self._heartbeat_interval)
            try:
                await self._client.send_task_heartbeat(taskToken=token)
            except Exception as error:
                if task_is_gone(error):
                    lost.set()
                    work.cancel()
                    return
                logger.warning("heartbeat failed; beating on", exc_info=True)

    async def _fail(self, token: str, name: str, error: str, cause: str) -> None:
        call = self._client.send_task_failure(taskToken=token, error=error[:MAX_ERROR_LENGTH], cause=cause)
        await self._send(name, call)

    async def _send(self, name: str, call: Awaitable[Any]) -> bool:
        """Send a result; one that cannot be sent is logged, counted and dropped (the slot polls on)."""
        try:
            await call
        except Exception as error:
            gone = task_is_gone(error)
            # A gone task is retried by the state machine; one we failed to reach waits out its heartbeat.
            logger.warning(
                "result dropped: %s (%s)",
                "the task is gone" if gone else "could not send it",
                error_name(error),
                exc_info=not gone,
                extra={"task": name},
            )
            await self._metrics.result_dropped("TaskGone" if gone else "SendFailed")
            return False
        return True

    async def _get_task_or_stop(self, stop: asyncio.Event) -> GetActivityTaskOutputTypeDef | None:
        # A task handed to a cancelled poll times out on its heartbeat and the state machine retries it.
        _, task = await run_unless_stopped(
            stop, self._client.get_activity_task(activityArn=self._activity_arn, workerName=self._worker_name)
        )
        return task


def _short_cause(error: BaseException) -> str:
    """The first line of the message (a ValidationError's lists the input values on the next lines)."""
    lines = str(error).strip().splitlines()
    return (lines[0] if lines else repr(error))[:MAX_CAUSE_LENGTH]


async def _invoke(handler: TaskHandler, task_input: dict[str, Any]) -> dict[str, Any]:
    # Inside the work, so that even a handler failing before its first await fails only its own task.
    return await handler(task_input)


async def _set_when_set(source: asyncio.Event, target: asyncio.Event) -> None:
    await source.wait()
    target.set()
