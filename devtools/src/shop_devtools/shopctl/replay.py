"""`shopctl events replay`: put the events of a time window back on the bus, for the consumers to handle again.

Two sources, one outcome:
- AWS, the bus's archive (infra/terraform/modules/messaging keeps every event): EventBridge's StartReplay sends the
  archived events to the bus's rules. It cannot pick event types, only rules: with --type it replays to the rules
  that match those types, and a rule matching other types too receives those as well (the plan says which).
- Locally, the runtime's event log (shop_devtools.provisioning.logs): shopctl reads the window from the log group
  and puts each event back on the bus itself, exactly the types asked for.
Either way a consumer sees an event id it may have handled already, and recognises it: every consumer is idempotent.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

from shop_shared.contracts import EVENT_MODELS
from shop_shared.topology import Topology

from .exceptions import ShopctlError

__all__ = [
    "EVENT_TYPES",
    "SAFETY_NOTE",
    "ArchivePlan",
    "LoggedEvent",
    "ReplayProgress",
    "ReplayRequest",
    "ReplaySource",
    "bus_event",
    "count_by_type",
    "parse_moment",
    "plan_archive_replay",
    "replay_logged",
    "select_logged",
    "wait_for_replay",
]

EVENT_TYPES = frozenset(event_type for event_type, _ in EVENT_MODELS)
SAFETY_NOTE = (
    "Safe to replay: every consumer is idempotent, so an event it already handled (same event id) changes nothing."
)
ReplaySource = Literal["archive", "log"]

_RELATIVE = re.compile(r"^(\d+)([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
PUT_EVENTS_BATCH = 10  # PutEvents' limit per call
PUT_ATTEMPTS = 3


def parse_moment(text: str, *, now: datetime) -> datetime:
    """ "30m", "2h", "1d" (that long ago) or an ISO 8601 time; without a zone it is UTC."""
    relative = _RELATIVE.match(text.strip())
    if relative:
        return now - timedelta(**{_UNITS[relative.group(2)]: int(relative.group(1))})
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as error:
        raise ValueError(
            f"{text!r} is neither an ISO 8601 time (2026-11-27T09:00Z) nor an age (30m, 2h, 1d)"
        ) from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class ReplayRequest:
    start: datetime
    end: datetime
    types: frozenset[str] = frozenset()  # empty: every type

    def __post_init__(self) -> None:
        if self.start >= self.end:
            raise ShopctlError(f"--from ({self.start.isoformat()}) must be before --to ({self.end.isoformat()})")
        unknown = self.types - EVENT_TYPES
        if unknown:
            raise ShopctlError(f"unknown event type(s) {sorted(unknown)}; known: {', '.join(sorted(EVENT_TYPES))}")

    def wants(self, event_type: str) -> bool:
        return not self.types or event_type in self.types


# --- the local event log ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoggedEvent:
    """One event as the bus delivered it to the log, to be put back as it was (same detail, same event id)."""

    event_id: str  # the envelope's metadata.event_id: what consumers deduplicate on
    source: str
    detail_type: str
    time: datetime
    detail: dict[str, Any]


def bus_event(message: str) -> LoggedEvent | None:
    """An EventBridge event as JSON (a log line, a rule target's dead letter) -> what PutEvents needs to put it back;
    None when it is not one."""
    try:
        event = json.loads(message)
        detail = event["detail"]
        metadata = detail.get("metadata") if isinstance(detail, dict) else None
        return LoggedEvent(
            event_id=str((metadata or {}).get("event_id") or event["id"]),
            source=str(event["source"]),
            detail_type=str(event["detail-type"]),
            time=datetime.fromisoformat(event["time"]),
            detail=detail,
        )
    except (ValueError, KeyError, TypeError):
        return None  # not an event the bus wrote: nothing to replay


def select_logged(messages: Iterable[str], request: ReplayRequest) -> tuple[list[LoggedEvent], int]:
    """The window's events of the wanted types, oldest first, each event id once (a replayed event is logged again);
    and how many log lines were not events."""
    selected: dict[str, LoggedEvent] = {}
    unreadable = 0
    for message in messages:
        event = bus_event(message)
        if event is None:
            unreadable += 1
            continue
        if request.start <= event.time <= request.end and request.wants(event.detail_type):
            selected.setdefault(event.event_id, event)
    return sorted(selected.values(), key=lambda event: (event.time, event.event_id)), unreadable


class EventPutter(Protocol):
    def put_events(self, bus: str, events: Sequence[LoggedEvent]) -> list[LoggedEvent]:
        """Put the events on the bus; returns those the bus refused."""
        ...


def replay_logged(
    putter: EventPutter, bus: str, events: Sequence[LoggedEvent], progress: Callable[[int], None]
) -> None:
    """Put the events back in batches of 10; entries the bus refuses are retried, then reported (nothing silent)."""
    done = 0
    for start in range(0, len(events), PUT_EVENTS_BATCH):
        batch = list(events[start : start + PUT_EVENTS_BATCH])
        for _ in range(PUT_ATTEMPTS):
            batch = putter.put_events(bus, batch)
            if not batch:
                break
        if batch:
            raise ShopctlError(
                f"the bus refused {len(batch)} event(s) {PUT_ATTEMPTS} times (first: {batch[0].event_id}); "
                f"{done} were replayed before them: run the replay again (it is safe)"
            )
        done += min(PUT_EVENTS_BATCH, len(events) - start)
        progress(done)


def count_by_type(events: Iterable[LoggedEvent]) -> dict[str, int]:
    return dict(sorted(Counter(event.detail_type for event in events).items()))


# --- the archive (AWS) ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArchivePlan:
    """The rules a replay goes to, and what else those rules receive beyond the types asked for."""

    rules: list[str]  # topology rule keys
    also_replayed: dict[str, list[str]] = field(default_factory=dict)  # rule key -> other types it receives


def _pattern_types(pattern: dict[str, Any]) -> set[str] | None:
    types = pattern.get("detail-type")
    return {str(value) for value in types} if isinstance(types, list) else None  # None: any type


def plan_archive_replay(topology: Topology, request: ReplayRequest) -> ArchivePlan:
    """Every topology rule without --type; with it, the rules whose pattern matches one of the types."""
    rules, also = [], {}
    for key, rule in topology.rules.items():
        matched = _pattern_types(rule.event_pattern)
        if not request.types:
            rules.append(key)
        elif matched is None or matched & request.types:
            rules.append(key)
            others = sorted((matched or {"(every type)"}) - request.types)
            if others:
                also[key] = others
    if not rules:
        raise ShopctlError(f"no rule of the topology receives {sorted(request.types)}: a replay would deliver nothing")
    return ArchivePlan(rules, also)


@dataclass(frozen=True)
class ReplayProgress:
    state: str  # STARTING, RUNNING, CANCELLING, COMPLETED, CANCELLED, FAILED
    last_replayed: datetime | None
    reason: str | None = None

    @property
    def finished(self) -> bool:
        return self.state in {"COMPLETED", "CANCELLED", "FAILED"}

    def fraction(self, request: ReplayRequest) -> float:
        if self.state == "COMPLETED":
            return 1.0
        if self.last_replayed is None:
            return 0.0
        done = (self.last_replayed - request.start) / (request.end - request.start)
        return min(max(done, 0.0), 1.0)


def wait_for_replay(
    describe: Callable[[], ReplayProgress],
    request: ReplayRequest,
    progress: Callable[[float], None],
    *,
    timeout_seconds: float,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    poll_seconds: float = 2.0,
) -> ReplayProgress:
    """Poll the replay until it ends or `timeout_seconds` pass (it goes on in AWS then: the last state is returned);
    its progress is how far through the window the last replayed event was."""
    deadline = clock() + timeout_seconds
    while True:
        state = describe()
        progress(state.fraction(request))
        if state.finished or clock() >= deadline:
            return state
        sleep(poll_seconds)
