"""The local runtime's event log: every event on the bus, written by a rule to a CloudWatch Logs log group.

`shopctl events replay` replays from it locally. On AWS the bus's archive (infra/terraform/modules/messaging)
is the replay source instead: LocalStack keeps an archive's events but its StartReplay fails as soon as the
archive holds one (4.14), so local provisioning creates no archive and keeps this log in its place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from .common import Outcome, Provisioned, error_code
from .events import ensure_rule

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_logs import CloudWatchLogsClient

__all__ = ["EVENT_LOG", "EVENT_LOG_PATTERN", "EVENT_LOG_RETENTION_DAYS", "ProvisionedEventLog", "ensure_event_log"]

EVENT_LOG = "event-log"  # the key of both the log group and its rule: "<prefix>event-log"
EVENT_LOG_PATTERN = {"source": [{"prefix": "shop."}]}  # every event the shop's services publish
EVENT_LOG_RETENTION_DAYS = 14  # as long as a dead letter is kept


@dataclass(frozen=True, kw_only=True)
class ProvisionedEventLog(Provisioned):
    """The log group (`name`, `arn`) and the rule that writes every event into it."""

    rule_arn: str


def ensure_event_log(events: EventBridgeClient, logs: CloudWatchLogsClient, bus: str, name: str) -> ProvisionedEventLog:
    outcome: Outcome = "unchanged"
    try:
        logs.create_log_group(logGroupName=name)
        outcome = "created"
    except ClientError as error:
        if error_code(error) != "ResourceAlreadyExistsException":
            raise
    logs.put_retention_policy(logGroupName=name, retentionInDays=EVENT_LOG_RETENTION_DAYS)
    groups = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    group_arn = next(group["arn"] for group in groups if group.get("logGroupName") == name).removesuffix(":*")
    rule = ensure_rule(
        events,
        bus,
        name,
        "Local runtime only: every event into the event log that `shopctl events replay` reads.",
        EVENT_LOG_PATTERN,
        {"Id": "event-log", "Arn": group_arn},
    )
    if outcome == "unchanged":
        outcome = rule.outcome
    return ProvisionedEventLog(name=name, arn=group_arn, rule_arn=rule.arn, outcome=outcome)
