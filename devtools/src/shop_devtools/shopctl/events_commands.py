"""`shopctl events replay`: the command line of event replay (the work is in replay.py)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

import typer

from . import replay as replays
from .context import Target, err, fail, out, progress_bar
from .exceptions import ShopctlError

__all__ = ["events_app"]

events_app = typer.Typer(help="Events on the bus: replay a time window for the consumers to handle again.")


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
    except (ValueError, ShopctlError) as error:  # a time that is none, a window backwards, an unknown type
        raise typer.BadParameter(str(error)) from error
    chosen = source or (ReplayFrom.LOG if target.local else ReplayFrom.ARCHIVE)
    try:
        if chosen is ReplayFrom.LOG:
            _replay_from_log(target, window, dry_run=dry_run)
        else:
            _replay_from_archive(target, window, dry_run=dry_run, timeout=timeout)
    except ShopctlError as error:
        fail(error)


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
    with progress_bar() as bar:
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
        with progress_bar() as bar:
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
