"""The EventBridge calls of events replay: the local event log, PutEvents, and the archive's replays."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from shop_devtools.shopctl.exceptions import ShopctlError
from shop_devtools.shopctl.replay import LoggedEvent, ReplayProgress

from .session import error_code, explained

if TYPE_CHECKING:
    from mypy_boto3_events.client import EventBridgeClient
    from mypy_boto3_events.type_defs import PutEventsRequestEntryTypeDef
    from mypy_boto3_logs.client import CloudWatchLogsClient

__all__ = ["EventBus"]


class EventBus:
    """The replay questions of ShopAws, which opens the clients."""

    events: EventBridgeClient
    logs: CloudWatchLogsClient

    def logged_events(self, log_group: str, start: datetime, end: datetime) -> Iterator[str]:
        """The messages of the local event log written between `start` and `end` (each one an event as JSON)."""
        with explained(f"event log {log_group}"):
            try:
                pages = self.logs.get_paginator("filter_log_events").paginate(
                    logGroupName=log_group,
                    startTime=int(start.timestamp() * 1000),
                    endTime=int(end.timestamp() * 1000) + 1,  # the end is inclusive; the API's is not
                )
                for page in pages:
                    for logged in page.get("events", []):
                        yield logged.get("message", "")
            except ClientError as error:
                if error_code(error) == "ResourceNotFoundException":
                    raise ShopctlError(
                        f"no event log {log_group} here: only the local runtime keeps one (on AWS use --source archive)"
                    ) from error
                raise

    def put_events(self, bus: str, events: Sequence[LoggedEvent]) -> list[LoggedEvent]:
        """Put events back on the bus as they were first published (source, type, detail, time); returns the refused."""
        entries: list[PutEventsRequestEntryTypeDef] = [
            {
                "Source": event.source,
                "DetailType": event.detail_type,
                "Detail": json.dumps(event.detail),
                "Time": event.time,
                "EventBusName": bus,
            }
            for event in events
        ]
        with explained(f"PutEvents on {bus}"):
            results = self.events.put_events(Entries=entries)["Entries"]
        return [event for event, result in zip(events, results, strict=True) if result.get("ErrorCode")]

    def bus_arn(self, bus: str) -> str:
        with explained(f"event bus {bus}"):
            try:
                return self.events.describe_event_bus(Name=bus)["Arn"]
            except ClientError as error:
                if error_code(error) == "ResourceNotFoundException":
                    raise ShopctlError(f"event bus {bus} does not exist (wrong --prefix?)") from error
                raise

    def archive_arn(self, archive: str) -> str:
        with explained(f"archive {archive}"):
            try:
                return self.events.describe_archive(ArchiveName=archive)["ArchiveArn"]
            except ClientError as error:
                if error_code(error) == "ResourceNotFoundException":
                    raise ShopctlError(
                        f"no archive {archive}: Terraform creates it on AWS; locally use --local or --source log"
                    ) from error
                raise

    def rule_arn(self, bus: str, rule: str) -> str:
        with explained(f"rule {rule}"):
            return self.events.describe_rule(Name=rule, EventBusName=bus)["Arn"]

    def start_replay(
        self, name: str, archive_arn: str, start: datetime, end: datetime, bus_arn: str, rule_arns: list[str]
    ) -> None:
        with explained(f"StartReplay {name}"):
            self.events.start_replay(
                ReplayName=name,
                EventSourceArn=archive_arn,
                EventStartTime=start,
                EventEndTime=end,
                Destination={"Arn": bus_arn, "FilterArns": rule_arns},
            )

    def replay_progress(self, name: str) -> ReplayProgress:
        with explained(f"DescribeReplay {name}"):
            replay = self.events.describe_replay(ReplayName=name)
        return ReplayProgress(replay["State"], replay.get("EventLastReplayedTime"), replay.get("StateReason"))
