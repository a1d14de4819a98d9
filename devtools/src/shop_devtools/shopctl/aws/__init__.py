"""The AWS calls shopctl makes (boto3, synchronous), each answered in plain values; errors become ShopctlErrors."""

from __future__ import annotations

import boto3

from .bus import EventBus
from .order_records import OrderRecords
from .queues import MoveTaskProgress, QueueCounts, Queues
from .session import CLIENT_CONFIG, open_session
from .tables import Backlog, Backlogs
from .workflows import Executions, Workflows

__all__ = ["Backlog", "Executions", "MoveTaskProgress", "QueueCounts", "ShopAws", "open_session"]


class ShopAws(Queues, Backlogs, EventBus, Workflows, OrderRecords):
    """One boto3 session's clients; every method is one question to AWS."""

    def __init__(self, session: boto3.Session) -> None:
        self.sqs = session.client("sqs", config=CLIENT_CONFIG)
        self.dynamodb = session.client("dynamodb", config=CLIENT_CONFIG)
        self.stepfunctions = session.client("stepfunctions", config=CLIENT_CONFIG)
        self.events = session.client("events", config=CLIENT_CONFIG)
        self.logs = session.client("logs", config=CLIENT_CONFIG)
        # No boto3-stubs package for CloudWatch in the workspace: only get_metric_statistics is called.
        self.cloudwatch = session.client("cloudwatch", config=CLIENT_CONFIG)
