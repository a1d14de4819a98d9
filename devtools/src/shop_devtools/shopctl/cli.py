"""The typer app: global options (--prefix, --profile, --local), `status` and the `dlq` group; exit codes.

Exit codes: `status` 0 green, 1 amber, 2 red (the Nagios plugin convention); every command 3 when it could not do
its job (AWS unreachable, a wrong profile, a missing queue, a failed redrive) and 64 on a usage error.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from shop_shared.topology import load_topology

from shop_devtools.emulators import aws_environment
from shop_devtools.runtime import configured_endpoints

from . import dlq as dead_letters
from .aws import ShopAws, open_session
from .exceptions import AwsAccessError, ShopctlError
from .names import ShopNames
from .status import collect_status
from .views import show_dead_messages, show_status

__all__ = ["EXIT_FAILED", "EXIT_USAGE", "app", "main"]

EXIT_FAILED = 3
EXIT_USAGE = 64  # sysexits EX_USAGE: apart from status's 2 (red)

app = typer.Typer(
    name="shopctl",
    help="The operator's CLI: status, dead letters and their redrive (locally and on AWS).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
dlq_app = typer.Typer(help="Dead-letter queues: show the dead messages, move them back to their queue.")
app.add_typer(dlq_app, name="dlq")

out = Console()
err = Console(stderr=True)


@dataclass(frozen=True)
class Target:
    """Where the commands look: the deployment's names and the session's profile."""

    names: ShopNames
    profile: str | None

    def aws(self) -> ShopAws:
        return ShopAws(open_session(self.profile))


def _fail(error: ShopctlError) -> NoReturn:
    err.print(f"[red]error:[/red] {error}")
    raise typer.Exit(EXIT_FAILED)


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
    context.obj = Target(ShopNames(load_topology(), prefix), profile)


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
    """Move dead messages back to the queue they died in, for its (fixed) consumer to handle them again."""
    target: Target = context.obj
    try:
        ref = target.names.resolve_dlq(queue)
        if ref.source_queue is None:
            raise ShopctlError(
                f"{ref.name} is a {ref.kind} DLQ: its events go back through EventBridge, which shopctl does not do yet"
            )
        aws = target.aws()
        dlq_url, source_url = aws.require_queue_url(ref.name), aws.require_queue_url(ref.source_queue)
        waiting = aws.queue_counts(dlq_url).visible
        count = waiting if max_messages is None else min(max_messages, waiting)
        if dry_run:
            out.print(f"dry run: would move {count} of {waiting} message(s) from {ref.name} to {ref.source_queue}.")
            out.print(dead_letters.SAFETY_NOTE)
            return
        out.print(dead_letters.SAFETY_NOTE)
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err
        ) as bar:
            task = bar.add_task(f"{ref.name} -> {ref.source_queue}", total=count)
            result = dead_letters.redrive(
                aws,
                dlq_url,
                source_url,
                max_messages=max_messages,
                progress=lambda moved, total: bar.update(task, completed=moved, total=total),
            )
    except ShopctlError as error:
        _fail(error)
    out.print(f"moved {result.moved} message(s) from {ref.name} to {ref.source_queue} ({result.method}).")


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
