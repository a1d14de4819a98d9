"""The typer app: global options (--prefix, --profile, --local), the commands and their exit codes.

Exit codes: `status` 0 green, 1 amber, 2 red (the Nagios plugin convention); every command 3 when it could not do
its job (AWS unreachable, a wrong profile, a missing queue, a failed redrive) and 64 on a usage error.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from shop_shared.topology import load_topology

from shop_devtools.emulators import aws_environment
from shop_devtools.runtime import configured_endpoints

from . import dlq as dead_letters
from . import replay as replays
from .aws import ShopAws, open_session
from .exceptions import AwsAccessError, ShopctlError
from .names import DlqRef, ShopNames
from .order import collect_story
from .order_view import show_order_story
from .status import collect_status
from .views import show_dead_messages, show_status

__all__ = ["EXIT_FAILED", "EXIT_USAGE", "app", "main"]

EXIT_FAILED = 3
EXIT_USAGE = 64  # sysexits EX_USAGE: apart from status's 2 (red)

app = typer.Typer(
    name="shopctl",
    help="The operator's CLI: status, dead letters and their redrive, event replay, one order's story (local and AWS).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
dlq_app = typer.Typer(help="Dead-letter queues: show the dead messages, move them back to their queue.")
app.add_typer(dlq_app, name="dlq")
events_app = typer.Typer(help="Events on the bus: replay a time window for the consumers to handle again.")
app.add_typer(events_app, name="events")

out = Console()
err = Console(stderr=True)


@dataclass(frozen=True)
class Target:
    """Where the commands look: the deployment's names and the session's profile."""

    names: ShopNames
    profile: str | None
    local: bool  # --local: the running `make start`

    def aws(self) -> ShopAws:
        return ShopAws(open_session(self.profile))


def _fail(error: ShopctlError) -> NoReturn:
    err.print(f"[red]error:[/red] {error}")
    raise typer.Exit(EXIT_FAILED)


def _progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err
    )


@app.callback()
def options(
    context: typer.Context,
    prefix: Annotated[
        str, typer.Option(envvar="SHOP_PREFIX", help='Name prefix: "shop-" locally, "shop-<env>-" on AWS.')
    ] = "shop-",
    profile: Annotated[
        str | None, typer.Option(help="AWS profile of the boto3 session (default: the standard chain).")
    ] = None,
    local: Annotated[
        bool, typer.Option("--local", help="Use the emulators of the running `make start` (no variables needed).")
    ] = False,
) -> None:
    if local:
        endpoints = configured_endpoints()
        if not endpoints.healthy():
            _fail(AwsAccessError(f"no local runtime answers on {endpoints.localstack_url}: run `make start` first"))
        os.environ.update(aws_environment(endpoints))
    context.obj = Target(ShopNames(load_topology(), prefix), profile, local)


@app.command()
def status(
    context: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="The same facts as JSON on stdout, for scripts.")] = False,
) -> None:
    """Queues, DLQs, outboxes, executions and payments to reconcile; red/amber/green (exit 2/1/0)."""
    target: Target = context.obj
    try:
        report = collect_status(target.aws(), target.names)
    except ShopctlError as error:
        _fail(error)
    if as_json:
        print(json.dumps(report.as_json(), indent=2, sort_keys=True))
    else:
        show_status(out, report)
    raise typer.Exit(int(report.health))


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
        _fail(error)
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
        with _progress_bar() as bar:
            task = bar.add_task(f"{ref.name} -> {destination}", total=count)
            result = move(lambda moved, total: bar.update(task, completed=moved, total=total))
    except ShopctlError as error:
        _fail(error)
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


@app.command("order")
def order_story(
    context: typer.Context,
    order_id: Annotated[str, typer.Argument(help="The order's id, as the order API answered it.")],
    as_json: Annotated[bool, typer.Option("--json", help="The same facts as JSON on stdout, for scripts.")] = False,
) -> None:
    """One order's story: status history, payment, loyalty ledger, notifications and trace id, in time order."""
    target: Target = context.obj
    try:
        story = collect_story(target.aws(), target.names, order_id)
    except ShopctlError as error:
        _fail(error)
    if as_json:
        print(json.dumps(story.as_json(), indent=2))
    else:
        show_order_story(out, story)


class ReplayFrom(StrEnum):
    ARCHIVE = "archive"
    LOG = "log"


@events_app.command("replay")
def events_replay(
    context: typer.Context,
    start: Annotated[
        str,
        typer.Option(
            "--from",
            help='Window start: ISO 8601 ("2026-11-27T09:00Z"; UTC without a zone) or an age ("30m", "2h", "1d").',
        ),
    ],
    end: Annotated[
        str, typer.Option("--to", show_default=False, help="Window end, in the same forms (default: now).")
    ] = "0m",
    types: Annotated[
        list[str] | None, typer.Option("--type", help="Only events of this type (repeat for more): order.created, ...")
    ] = None,
    source: Annotated[
        ReplayFrom | None,
        typer.Option(
            help="archive (the bus's archive on AWS) or log (the local runtime's); default: log with --local."
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be replayed; replay nothing.")] = False,
    timeout: Annotated[
        int, typer.Option(min=1, help="Archive replays: stop waiting after this many seconds (the replay goes on).")
    ] = 3600,
) -> None:
    """Put a window's events back on the bus; the consumers handle them again (idempotently)."""
    target: Target = context.obj
    now = datetime.now(UTC)
    try:
        window = replays.ReplayRequest(
            replays.parse_moment(start, now=now), min(replays.parse_moment(end, now=now), now), frozenset(types or [])
        )
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    except ShopctlError as error:
        raise typer.BadParameter(str(error)) from error
    chosen = source or (ReplayFrom.LOG if target.local else ReplayFrom.ARCHIVE)
    try:
        if chosen is ReplayFrom.LOG:
            _replay_from_log(target, window, dry_run=dry_run)
        else:
            _replay_from_archive(target, window, dry_run=dry_run, timeout=timeout)
    except ShopctlError as error:
        _fail(error)


def _window(window: replays.ReplayRequest) -> str:
    kinds = ", ".join(sorted(window.types)) or "every type"
    return f"{window.start.isoformat(timespec='seconds')} .. {window.end.isoformat(timespec='seconds')}, {kinds}"


def _replay_from_log(target: Target, window: replays.ReplayRequest, *, dry_run: bool) -> None:
    names, aws = target.names, target.aws()
    events, unreadable = replays.select_logged(aws.logged_events(names.event_log, window.start, window.end), window)
    counts = ", ".join(f"{kind}: {count}" for kind, count in replays.count_by_type(events).items()) or "none"
    out.print(f"{len(events)} event(s) in {names.event_log} ({_window(window)}): {counts}")
    if unreadable:
        out.print(f"{unreadable} line(s) of the log are not events; left out.")
    if dry_run:
        out.print(f"dry run: would put them back on {names.bus}; nothing replayed.")
        return
    out.print(replays.SAFETY_NOTE)
    with _progress_bar() as bar:
        task = bar.add_task(f"{names.event_log} -> {names.bus}", total=len(events))
        replays.replay_logged(aws, names.bus, events, lambda done: bar.update(task, completed=done))
    out.print(f"replayed {len(events)} event(s) onto {names.bus}.")


def _replay_from_archive(target: Target, window: replays.ReplayRequest, *, dry_run: bool, timeout: int) -> None:
    names, aws = target.names, target.aws()
    plan = replays.plan_archive_replay(names.topology, window)
    archive_arn = aws.archive_arn(names.archive)
    out.print(f"replay of archive {names.archive} ({_window(window)}) to {len(plan.rules)} rule(s):")
    for rule in plan.rules:
        extra = plan.also_replayed.get(rule)
        out.print(f"  - {names.rule(rule)}" + (f" (receives {', '.join(extra)} of the window too)" if extra else ""))
    if dry_run:
        out.print("dry run: no replay started.")
        return
    out.print(replays.SAFETY_NOTE)
    bus_arn = aws.bus_arn(names.bus)
    rule_arns = [aws.rule_arn(names.bus, names.rule(rule)) for rule in plan.rules]
    replay_name = f"{names.bus}-{datetime.now(UTC):%Y%m%dT%H%M%S}"[-64:]
    aws.start_replay(replay_name, archive_arn, window.start, window.end, bus_arn, rule_arns)
    try:
        with _progress_bar() as bar:
            task = bar.add_task(f"{replay_name} (% of the window)", total=100)
            final = replays.wait_for_replay(
                lambda: aws.replay_progress(replay_name),
                window,
                lambda fraction: bar.update(task, completed=round(fraction * 100)),
                timeout_seconds=timeout,
                clock=time.monotonic,
                sleep=time.sleep,
            )
    except KeyboardInterrupt:
        err.print(
            f"stopped waiting; replay {replay_name} goes on (aws events cancel-replay --replay-name {replay_name})"
        )
        raise
    if final.state == "COMPLETED":
        out.print(f"replay {replay_name} completed.")
        return
    if not final.finished:
        raise ShopctlError(f"replay {replay_name} still {final.state} after {timeout} s; it goes on in AWS")
    raise ShopctlError(f"replay {replay_name} ended {final.state}: {final.reason or 'no reason given'}")


def main() -> int:
    try:
        result = app(standalone_mode=False)
    except typer.Abort:
        err.print("aborted")
        return 130
    except typer.TyperException as error:
        # The public base of typer's usage errors (an unknown option, a bad value): before any command ran.
        err.print(f"usage error: {str(error) or 'a command is needed'} (see shopctl --help)")
        return EXIT_USAGE
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
