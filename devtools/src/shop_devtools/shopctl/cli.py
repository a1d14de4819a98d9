"""The typer app: global options (--prefix, --profile, --local), `status`, `order`, the `dlq` and `events` groups.

Exit codes: `status` 0 green, 1 amber, 2 red (the Nagios plugin convention); every command 3 when it could not do
its job (AWS unreachable, a wrong profile, a missing queue, a failed redrive) and 64 on a usage error.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Annotated

import typer
from shop_shared.topology import load_topology

from shop_devtools.emulators import aws_environment
from shop_devtools.runtime import configured_endpoints

from .context import EXIT_FAILED, EXIT_USAGE, Target, err, fail, out
from .dlq_commands import dlq_app
from .events_commands import events_app
from .exceptions import AwsAccessError, ShopctlError
from .names import ShopNames
from .order import collect_story
from .order_view import show_order_story
from .status import collect_status
from .views import show_status

__all__ = ["EXIT_FAILED", "EXIT_USAGE", "app", "main"]

app = typer.Typer(
    name="shopctl",
    help="The operator's CLI: status, dead letters and their redrive, event replay, one order's story (local and AWS).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(dlq_app, name="dlq")
app.add_typer(events_app, name="events")


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
            fail(AwsAccessError(f"no local runtime answers on {endpoints.localstack_url}: run `make start` first"))
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
        fail(error)
    if as_json:
        print(json.dumps(report.as_json(), indent=2, sort_keys=True))
    else:
        show_status(out, report)
    raise typer.Exit(int(report.health))


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
        fail(error)
    if as_json:
        print(json.dumps(story.as_json(), indent=2))
    else:
        show_order_story(out, story)


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
