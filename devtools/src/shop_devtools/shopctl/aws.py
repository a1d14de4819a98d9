"""The AWS calls shopctl makes (boto3, synchronous), each answered in plain values; errors become ShopctlErrors."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, ProfileNotFound
from shop_loyalty.adapters.ledger import ledger_key
from shop_payment.adapters.payments_repository import DUE_WORK_INDEX, WORK_SHARDS
from shop_shared.aws import from_item, to_item
from shop_shared.outbox import OUTBOX_SHARDS, PENDING_INDEX

from .exceptions import AwsAccessError, QueueNotFound, ShopctlError, TableNotFound
from .replay import LoggedEvent, ReplayProgress

if TYPE_CHECKING:
    from mypy_boto3_events.type_defs import PutEventsRequestEntryTypeDef
    from mypy_boto3_sqs.type_defs import MessageTypeDef

__all__ = ["Backlog", "Executions", "MoveTaskProgress", "QueueCounts", "ShopAws", "open_session"]

logger = logging.getLogger(__name__)

_MISSING_QUEUE = {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"}
_AUTH_ERRORS = {
    "AccessDenied",
    "AccessDeniedException",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidSignatureException",
}
# How a runtime without message move tasks answers StartMessageMoveTask.
_NOT_IMPLEMENTED = {"NotImplemented", "NotImplementedError", "InternalFailure", "UnsupportedOperation", "InvalidAction"}
_FAILED_EXECUTION = ("FAILED", "TIMED_OUT", "ABORTED")


@dataclass(frozen=True)
class QueueCounts:
    visible: int
    in_flight: int


@dataclass(frozen=True)
class Backlog:
    """Entries waiting, and when the oldest of them was stored (None: nothing waits)."""

    count: int
    oldest: datetime | None


@dataclass(frozen=True)
class Executions:
    running: int
    failed: list[tuple[str, str, datetime]]  # (execution name, status, stopped at), newest first


@dataclass(frozen=True)
class MoveTaskProgress:
    status: str  # RUNNING, COMPLETED, CANCELLING, CANCELLED, FAILED
    moved: int
    to_move: int
    failure: str | None


def open_session(profile: str | None) -> boto3.Session:
    try:
        return boto3.Session(profile_name=profile)
    except ProfileNotFound as error:
        raise AwsAccessError(f"AWS profile {profile!r} not found ({error})") from error


def _code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


@contextmanager
def _explained(what: str) -> Iterator[None]:
    """Credentials, endpoint and permission problems as one clear line (wrong profile, runtime not running)."""
    try:
        yield
    except NoCredentialsError as error:
        raise AwsAccessError(f"{what}: no AWS credentials (set a profile with --profile or AWS_PROFILE)") from error
    except ClientError as error:
        code = _code(error)
        if code in _AUTH_ERRORS:
            raise AwsAccessError(f"{what}: AWS refused the credentials ({code}); check --profile") from error
        raise AwsAccessError(f"{what}: {error}") from error
    except BotoCoreError as error:
        raise AwsAccessError(f"{what}: {error} (is the runtime running? try --local after `make start`)") from error


class ShopAws:
    """One boto3 session's clients; every method is one question to AWS."""

    def __init__(self, session: boto3.Session) -> None:
        # Few retries: an operator wants a clear error quickly, not a minute of backoff against a wrong endpoint.
        config = Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=30)
        self.sqs = session.client("sqs", config=config)
        self.dynamodb = session.client("dynamodb", config=config)
        self.stepfunctions = session.client("stepfunctions", config=config)
        self.events = session.client("events", config=config)
        self.logs = session.client("logs", config=config)
        # No boto3-stubs package for CloudWatch in the workspace: only get_metric_statistics is called.
        self.cloudwatch: Any = session.client("cloudwatch", config=config)

    # --- SQS -----------------------------------------------------------------------------------------------
    def queue_url(self, name: str) -> str | None:
        """The queue's URL, None when it does not exist."""
        with _explained(f"queue {name}"):
            try:
                return self.sqs.get_queue_url(QueueName=name)["QueueUrl"]
            except ClientError as error:
                if _code(error) in _MISSING_QUEUE:
                    return None
                raise

    def require_queue_url(self, name: str) -> str:
        url = self.queue_url(name)
        if url is None:
            raise QueueNotFound(f"queue {name} does not exist (wrong --prefix, or not deployed here?)")
        return url

    def queue_arn(self, url: str) -> str:
        with _explained(f"queue {url}"):
            return self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    def queue_counts(self, url: str) -> QueueCounts:
        with _explained(f"queue {url}"):
            attributes = self.sqs.get_queue_attributes(
                QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
            )["Attributes"]
        return QueueCounts(
            visible=int(attributes.get("ApproximateNumberOfMessages", "0")),
            in_flight=int(attributes.get("ApproximateNumberOfMessagesNotVisible", "0")),
        )

    def oldest_message_age(self, queue_name: str) -> float | None:
        """CloudWatch's ApproximateAgeOfOldestMessage (last 5 minutes); None where the runtime has no such data.

        Never a ReceiveMessage: peeking would raise the receive count and push messages towards their DLQ."""
        now = datetime.now(UTC)
        try:
            response = self.cloudwatch.get_metric_statistics(
                Namespace="AWS/SQS",
                MetricName="ApproximateAgeOfOldestMessage",
                Dimensions=[{"Name": "QueueName", "Value": queue_name}],
                StartTime=now - timedelta(minutes=5),
                EndTime=now,
                Period=60,
                Statistics=["Maximum"],
            )
        except (ClientError, BotoCoreError) as error:
            logger.debug("no queue age from CloudWatch", extra={"queue": queue_name, "error": str(error)})
            return None
        points = sorted(response.get("Datapoints", []), key=lambda point: point["Timestamp"])
        return float(points[-1]["Maximum"]) if points else None

    def receive(
        self, url: str, *, max_messages: int, visibility_timeout: int, wait_seconds: int
    ) -> list[MessageTypeDef]:
        with _explained(f"queue {url}"):
            return self.sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=min(max_messages, 10),
                VisibilityTimeout=visibility_timeout,
                WaitTimeSeconds=wait_seconds,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])

    def release(self, url: str, receipt_handles: list[str]) -> None:
        """Make received messages visible again at once (visibility timeout 0)."""
        with _explained(f"queue {url}"):
            for start in range(0, len(receipt_handles), 10):
                entries = [
                    {"Id": str(index), "ReceiptHandle": handle, "VisibilityTimeout": 0}
                    for index, handle in enumerate(receipt_handles[start : start + 10])
                ]
                self.sqs.change_message_visibility_batch(QueueUrl=url, Entries=entries)  # type: ignore[arg-type]

    def send(self, url: str, message: MessageTypeDef) -> None:
        """Send a copy of `message` (body and message attributes); raises unless SQS acknowledged it."""
        with _explained(f"queue {url}"):
            attributes = message.get("MessageAttributes")
            if attributes:
                self.sqs.send_message(QueueUrl=url, MessageBody=message["Body"], MessageAttributes=attributes)
            else:
                self.sqs.send_message(QueueUrl=url, MessageBody=message["Body"])

    def send_body(self, url: str, body: str) -> None:
        """Send `body` alone; raises unless SQS acknowledged it."""
        with _explained(f"queue {url}"):
            self.sqs.send_message(QueueUrl=url, MessageBody=body)

    def delete(self, url: str, receipt_handle: str) -> None:
        with _explained(f"queue {url}"):
            self.sqs.delete_message(QueueUrl=url, ReceiptHandle=receipt_handle)

    def start_move_task(self, source_arn: str, destination_arn: str) -> str | None:
        """Start an SQS message move task; None when the runtime does not implement it."""
        with _explained("StartMessageMoveTask"):
            try:
                return self.sqs.start_message_move_task(SourceArn=source_arn, DestinationArn=destination_arn)[
                    "TaskHandle"
                ]
            except ClientError as error:
                if _code(error) in _NOT_IMPLEMENTED:
                    return None
                raise

    def move_task_progress(self, source_arn: str, task_handle: str) -> MoveTaskProgress:
        with _explained("ListMessageMoveTasks"):
            results = self.sqs.list_message_move_tasks(SourceArn=source_arn, MaxResults=10)["Results"]
        # The running task carries its handle; a finished one may not (LocalStack drops it), so the newest counts.
        task = next((result for result in results if result.get("TaskHandle") == task_handle), results[0])
        return MoveTaskProgress(
            status=task["Status"],
            moved=int(task.get("ApproximateNumberOfMessagesMoved", 0)),
            to_move=int(task.get("ApproximateNumberOfMessagesToMove", 0)),
            failure=task.get("FailureReason"),
        )

    # --- DynamoDB ------------------------------------------------------------------------------------------
    def outbox_backlog(self, table: str) -> Backlog:
        """Entries in the sparse `pending` index: counted shard by shard with Queries (never a Scan)."""
        count, oldest_ms = 0, None
        with _explained(f"table {table}"):
            for shard in range(OUTBOX_SHARDS):
                query: dict[str, Any] = {
                    "TableName": table,
                    "IndexName": PENDING_INDEX,
                    "KeyConditionExpression": "#shard = :shard",
                    "ExpressionAttributeNames": {"#shard": "shard"},
                    "ExpressionAttributeValues": to_item({":shard": str(shard)}),
                }
                first = self.dynamodb.query(**query, ProjectionExpression="stored_at", Limit=1)
                for raw in first.get("Items", []):
                    stored_at = int(from_item(raw)["stored_at"])
                    oldest_ms = stored_at if oldest_ms is None else min(oldest_ms, stored_at)
                for page in self.dynamodb.get_paginator("query").paginate(**query, Select="COUNT"):
                    count += int(page.get("Count", 0))
        oldest = datetime.fromtimestamp(oldest_ms / 1000, UTC) if oldest_ms is not None else None
        return Backlog(count, oldest)

    def unknown_payments(self, table: str) -> Backlog:
        """Payments whose charge outcome is UNKNOWN (waiting for reconciliation), from the sparse due-work index."""
        count, oldest = 0, None
        with _explained(f"table {table}"):
            for shard in range(WORK_SHARDS):
                pages = self.dynamodb.get_paginator("query").paginate(
                    TableName=table,
                    IndexName=DUE_WORK_INDEX,
                    KeyConditionExpression="work_shard = :shard",
                    FilterExpression="#status = :unknown",
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues=to_item({":shard": str(shard), ":unknown": "UNKNOWN"}),
                    ProjectionExpression="unknown_since, created_at",
                )
                for page in pages:
                    for raw in page.get("Items", []):
                        count += 1
                        values = from_item(raw)
                        since = datetime.fromisoformat(values.get("unknown_since") or values["created_at"])
                        oldest = since if oldest is None else min(oldest, since)
        return Backlog(count, oldest)

    # --- EventBridge: replay -----------------------------------------------------------------------------------
    def logged_events(self, log_group: str, start: datetime, end: datetime) -> Iterator[str]:
        """The messages of the local event log written between `start` and `end` (each one an event as JSON)."""
        with _explained(f"event log {log_group}"):
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
                if _code(error) == "ResourceNotFoundException":
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
        with _explained(f"PutEvents on {bus}"):
            results = self.events.put_events(Entries=entries)["Entries"]
        return [event for event, result in zip(events, results, strict=True) if result.get("ErrorCode")]

    def bus_arn(self, bus: str) -> str:
        with _explained(f"event bus {bus}"):
            try:
                return self.events.describe_event_bus(Name=bus)["Arn"]
            except ClientError as error:
                if _code(error) == "ResourceNotFoundException":
                    raise ShopctlError(f"event bus {bus} does not exist (wrong --prefix?)") from error
                raise

    def archive_arn(self, archive: str) -> str:
        with _explained(f"archive {archive}"):
            try:
                return self.events.describe_archive(ArchiveName=archive)["ArchiveArn"]
            except ClientError as error:
                if _code(error) == "ResourceNotFoundException":
                    raise ShopctlError(
                        f"no archive {archive}: Terraform creates it on AWS; locally use --local or --source log"
                    ) from error
                raise

    def rule_arn(self, bus: str, rule: str) -> str:
        with _explained(f"rule {rule}"):
            return self.events.describe_rule(Name=rule, EventBusName=bus)["Arn"]

    def start_replay(
        self, name: str, archive_arn: str, start: datetime, end: datetime, bus_arn: str, rule_arns: list[str]
    ) -> None:
        with _explained(f"StartReplay {name}"):
            self.events.start_replay(
                ReplayName=name,
                EventSourceArn=archive_arn,
                EventStartTime=start,
                EventEndTime=end,
                Destination={"Arn": bus_arn, "FilterArns": rule_arns},
            )

    def replay_progress(self, name: str) -> ReplayProgress:
        with _explained(f"DescribeReplay {name}"):
            replay = self.events.describe_replay(ReplayName=name)
        return ReplayProgress(replay["State"], replay.get("EventLastReplayedTime"), replay.get("StateReason"))

    # --- Step Functions ------------------------------------------------------------------------------------
    def state_machine_arn(self, name: str) -> str | None:
        with _explained("ListStateMachines"):
            for page in self.stepfunctions.get_paginator("list_state_machines").paginate():
                for machine in page["stateMachines"]:
                    if machine["name"] == name:
                        return machine["stateMachineArn"]
        return None

    def start_execution(self, arn: str, name: str, execution_input: dict[str, Any]) -> str:
        with _explained(f"StartExecution of {arn}"):
            return self.stepfunctions.start_execution(
                stateMachineArn=arn, name=name, input=json.dumps(execution_input)
            )["executionArn"]

    def executions(self, arn: str, *, failed_since: datetime) -> Executions:
        running = 0
        failed: list[tuple[str, str, datetime]] = []
        with _explained(f"state machine {arn}"):
            for page in self.stepfunctions.get_paginator("list_executions").paginate(
                stateMachineArn=arn, statusFilter="RUNNING"
            ):
                running += len(page["executions"])
            for status in _FAILED_EXECUTION:
                # Newest first: stop at the first page that reaches back before the window.
                for page in self.stepfunctions.get_paginator("list_executions").paginate(
                    stateMachineArn=arn,
                    statusFilter=status,  # type: ignore[arg-type]
                ):
                    recent = [e for e in page["executions"] if e.get("stopDate") and e["stopDate"] >= failed_since]
                    failed += [(e["name"], status, e["stopDate"]) for e in recent]
                    if len(recent) < len(page["executions"]):
                        break
        return Executions(running, sorted(failed, key=lambda item: item[2], reverse=True))

    # --- order story ---------------------------------------------------------------------------------------
    # One order's records, by key only (GetItem, or a Query of one customer's notifications), each projected to
    # what an operator may see: never the payment token, the contact ciphertext, a destination or a message text.
    ORDER_FIELDS = tuple(
        "order_id customer_id currency total status created_at updated_at status_history created_event_id".split()
    )
    LEDGER_FIELDS = tuple("order_id kind points month credited credited_at reversed_at event_id".split())
    PAYMENT_FIELDS = tuple(
        "payment_id order_id status amount currency reason_code provider_reference refund_reference attempts "
        "unknown_since due_at created_at updated_at traceparent".split()
    )
    NOTIFICATION_FIELDS = tuple(
        "event_id event_type template channel status attempts created_at sent_at failed_at suppressed_at".split()
    )

    def order_record(self, table: str, order_id: str) -> dict[str, Any] | None:
        return self._item(table, {"order_id": order_id}, self.ORDER_FIELDS)

    def ledger_entries(self, table: str, order_id: str) -> list[dict[str, Any]]:
        """The order's credit and reversal entries (each its own item: see shop_loyalty's ledger_key)."""
        keys = [ledger_key(order_id, "credit"), ledger_key(order_id, "reversal")]
        return [item for key in keys if (item := self._item(table, {"order_id": key}, self.LEDGER_FIELDS))]

    def payment_record(self, table: str, payment_id: str) -> dict[str, Any] | None:
        return self._item(table, {"payment_id": payment_id}, self.PAYMENT_FIELDS)

    def order_notifications(self, table: str, customer_id: str, *, event_ids: list[str]) -> list[dict[str, Any]]:
        """The customer's notifications of these events: a Query of the customer's partition filtered on the ids."""
        if not event_ids:
            return []
        names = {f"#p{index}": name for index, name in enumerate(self.NOTIFICATION_FIELDS)}
        event_id = next(alias for alias, name in names.items() if name == "event_id")
        values = {":customer": customer_id} | {f":e{index}": value for index, value in enumerate(event_ids)}
        found: list[dict[str, Any]] = []
        with self._table_read(table):
            pages = self.dynamodb.get_paginator("query").paginate(
                TableName=table,
                KeyConditionExpression="customer_id = :customer",
                FilterExpression=f"{event_id} IN ({', '.join(f':e{index}' for index in range(len(event_ids)))})",
                ProjectionExpression=", ".join(names),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=to_item(values),
                ConsistentRead=True,
            )
            for page in pages:
                found += [from_item(raw) for raw in page.get("Items", [])]
        return found

    def _item(self, table: str, key: dict[str, str], fields: tuple[str, ...]) -> dict[str, Any] | None:
        names = {f"#p{index}": name for index, name in enumerate(fields)}
        with self._table_read(table):
            item = self.dynamodb.get_item(
                TableName=table,
                Key=to_item(key),
                ConsistentRead=True,
                ProjectionExpression=", ".join(names),
                ExpressionAttributeNames=names,
            ).get("Item")
        return from_item(item) if item else None

    @staticmethod
    @contextmanager
    def _table_read(table: str) -> Iterator[None]:
        with _explained(f"table {table}"):
            try:
                yield
            except ClientError as error:
                if _code(error) == "ResourceNotFoundException":
                    raise TableNotFound(f"table {table} does not exist (wrong --prefix, or not here?)") from error
                raise
