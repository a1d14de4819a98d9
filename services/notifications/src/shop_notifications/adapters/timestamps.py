"""Timestamps as fixed-width UTC strings, so DynamoDB compares them correctly as strings."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["from_stored", "to_stored"]

FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def to_stored(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(FORMAT)


def from_stored(text: str) -> datetime:
    return datetime.strptime(text, FORMAT).replace(tzinfo=UTC)
