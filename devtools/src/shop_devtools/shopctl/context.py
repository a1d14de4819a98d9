"""What every shopctl command shares: where it looks (Target), the two consoles, exit codes, failing, progress."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .aws import ShopAws, open_session
from .exceptions import ShopctlError
from .names import ShopNames

__all__ = ["EXIT_FAILED", "EXIT_USAGE", "Target", "err", "fail", "out", "progress_bar"]

EXIT_FAILED = 3
EXIT_USAGE = 64  # sysexits EX_USAGE: apart from status's 2 (red)

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


def fail(error: ShopctlError) -> NoReturn:
    err.print(f"[red]error:[/red] {error}")
    raise typer.Exit(EXIT_FAILED)


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err
    )
