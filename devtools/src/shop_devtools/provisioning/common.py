"""What every `ensure_*` function shares: the named result it returns and how it reads an AWS error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from botocore.exceptions import ClientError

__all__ = ["Outcome", "Provisioned", "at_least_updated", "error_code"]

Outcome = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True, kw_only=True)
class Provisioned:
    """A resource as an `ensure_*` call left it: its name, its ARN and what the call did to it."""

    name: str
    arn: str
    outcome: Outcome


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def at_least_updated(outcome: Outcome) -> Outcome:
    """The outcome once something changed: a resource created in this run stays `created`."""
    return "updated" if outcome == "unchanged" else outcome
