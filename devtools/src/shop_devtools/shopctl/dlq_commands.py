"""`shopctl dlq show|redrive`: the command line of dead-letter inspection and redrive (the work is in dlq.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated

import typer

from . import dlq as dead_letters
from .aws import ShopAws
from .context import Target, fail, out, progress_bar
from .exceptions import ShopctlError
from .names import DlqRef, ShopNames
from .views import show_dead_messages

__all__ = ["dlq_app"]

dlq_app = typer.Typer(help="Dead-letter queues: show the dead messages, send them back where they were going.")


@dlq_app.command("show")
def dlq_show(
    context: typer.Context,
    queue: Annotated[str, typer.Argument(help="The DLQ, or the queue whose DLQ it is (loyalty-order-events).")],
    max_messages: Annotated[int, typer.Option("--max", min=1, max=1000, help="At most this many messages.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="The decoded messages as JSON on stdout.")] = False,
) -> None:
    """The dead messages, decoded, left in the DLQ (their receive count there goes up by one)."""
    target: Target = context.obj
    try:
        ref = target.names.resolve_dlq(queue)
        aws = target.aws()
        messages = dead_letters.peek(aws, aws.require_queue_url(ref.name), max_messages=max_messages)
    except ShopctlError as error:
        fail(error)
    if as_json:
        print(json.dumps([asdict(message) for message in messages], indent=2))
        return
    show_dead_messages(out, ref.name, messages)
    out.print(
        f"{len(messages)} message(s) shown and left in {ref.name}; inspecting raised their receive count in the "
        "DLQ only, which has no redrive of its own."
    )


@dlq_app.command("redrive")
def dlq_redrive(
    context: typer.Context,
    queue: Annotated[str, typer.Argument(help="The DLQ, or the queue whose DLQ it is (loyalty-order-events).")],
    max_messages: Annotated[
        int | None, typer.Option("--max", min=1, help="At most this many (copy-then-delete); default: all (move task).")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would move; move nothing.")] = False,
) -> None:
    """Send dead messages back where they were going, for the (fixed) consumer to handle them again."""
    target: Target = context.obj
    try:
        ref = target.names.resolve_dlq(queue)
        if ref.kind == "schedule" and max_messages is not None:
            raise ShopctlError(f"{ref.name} holds missed runs: they go back together, one run per month (no --max)")
        aws = target.aws()
        dlq_url = aws.require_queue_url(ref.name)
        destination, move = _redrive_plan(target.names, aws, ref, dlq_url, max_messages)
        waiting = aws.queue_counts(dlq_url).visible
        count = waiting if max_messages is None else min(max_messages, waiting)
        if dry_run:
            out.print(f"dry run: would move {count} of {waiting} message(s) from {ref.name} to {destination}.")
            out.print(dead_letters.SAFETY_NOTE)
            return
        out.print(dead_letters.SAFETY_NOTE)
        with progress_bar() as bar:
            task = bar.add_task(f"{ref.name} -> {destination}", total=count)
            result = move(lambda moved, total: bar.update(task, completed=moved, total=total))
    except ShopctlError as error:
        fail(error)
    out.print(f"moved {result.moved} message(s) from {ref.name} to {destination} ({result.method}).")


def _redrive_plan(
    names: ShopNames, aws: ShopAws, ref: DlqRef, dlq_url: str, max_messages: int | None
) -> tuple[str, Callable[[dead_letters.Progress], dead_letters.RedriveResult]]:
    """Where a DLQ's messages go back to, and how: its queue; a rule target's queue or the bus; the schedule's run."""
    if ref.kind == "queue":
        assert ref.source_queue is not None
        source_url = aws.require_queue_url(ref.source_queue)
        return ref.source_queue, lambda progress: dead_letters.redrive(
            aws, dlq_url, source_url, max_messages=max_messages, progress=progress
        )
    if ref.kind == "rule-target":
        rule = names.topology.rules[ref.key]
        if rule.target.queue:
            queue = names.queues()[rule.target.queue]
            deliver = dead_letters.to_queue(aws, aws.require_queue_url(queue), with_attributes=False)
            destination = queue
        else:
            deliver = dead_letters.to_bus(aws, names.bus)
            destination = f"the bus {names.bus} (each event to every rule that matches it, as when it was published)"
        return destination, lambda progress: dead_letters.redrive_to(aws, dlq_url, deliver, max_messages, progress)
    schedule = names.topology.schedules[ref.key]
    machine = names.state_machines()[schedule.state_machine]
    machine_arn = aws.state_machine_arn(machine)
    if machine_arn is None:
        raise ShopctlError(f"state machine {machine} does not exist (wrong --prefix?)")
    started = datetime.now(UTC)

    def start_run(month: str) -> None:
        aws.start_execution(machine_arn, f"redrive-{month}-{started:%Y%m%dT%H%M%S}", {**schedule.input, "as_of": month})

    return f"{machine} (one run per month missed)", lambda progress: dead_letters.redrive_missed_runs(
        aws, dlq_url, start_run, progress
    )
