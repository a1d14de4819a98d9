"""The SQS calls of shopctl (counts, peeks, sends, message move tasks) and CloudWatch's age of a queue."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from shop_devtools.shopctl.exceptions import QueueNotFound

from .session import error_code, explained

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

__all__ = ["MoveTaskProgress", "QueueCounts", "Queues"]

logger = logging.getLogger(__name__)

_MISSING_QUEUE = {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"}
# How a runtime without message move tasks answers StartMessageMoveTask.
_NOT_IMPLEMENTED = {"NotImplemented", "NotImplementedError", "InternalFailure", "UnsupportedOperation", "InvalidAction"}


@dataclass(frozen=True)
class QueueCounts:
    visible: int
    in_flight: int


@dataclass(frozen=True)
class MoveTaskProgress:
    status: str  # RUNNING, COMPLETED, CANCELLING, CANCELLED, FAILED
    moved: int
    to_move: int
    failure: str | None


class Queues:
    """The SQS questions (and CloudWatch's queue age) of ShopAws, which opens the clients."""

    sqs: SQSClient
    # No boto3-stubs package for CloudWatch in the workspace: only get_metric_statistics is called.
    cloudwatch: Any

    def queue_url(self, name: str) -> str | None:
        """The queue's URL, None when it does not exist."""
        with explained(f"queue {name}"):
            try:
                return self.sqs.get_queue_url(QueueName=name)["QueueUrl"]
            except ClientError as error:
                if error_code(error) in _MISSING_QUEUE:
                    return None
                raise

    def require_queue_url(self, name: str) -> str:
        url = self.queue_url(name)
        if url is None:
            raise QueueNotFound(f"queue {name} does not exist (wrong --prefix, or not deployed here?)")
        return url

    def queue_arn(self, url: str) -> str:
        with explained(f"queue {url}"):
            return self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    def queue_counts(self, url: str) -> QueueCounts:
        with explained(f"queue {url}"):
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
        with explained(f"queue {url}"):
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
        with explained(f"queue {url}"):
            for start in range(0, len(receipt_handles), 10):
                entries = [
                    {"Id": str(index), "ReceiptHandle": handle, "VisibilityTimeout": 0}
                    for index, handle in enumerate(receipt_handles[start : start + 10])
                ]
                self.sqs.change_message_visibility_batch(QueueUrl=url, Entries=entries)  # type: ignore[arg-type]

    def send(self, url: str, message: MessageTypeDef) -> None:
        """Send a copy of `message` (body and message attributes); raises unless SQS acknowledged it."""
        with explained(f"queue {url}"):
            attributes = message.get("MessageAttributes")
            if attributes:
                self.sqs.send_message(QueueUrl=url, MessageBody=message["Body"], MessageAttributes=attributes)
            else:
                self.sqs.send_message(QueueUrl=url, MessageBody=message["Body"])

    def send_body(self, url: str, body: str) -> None:
        """Send `body` alone; raises unless SQS acknowledged it."""
        with explained(f"queue {url}"):
            self.sqs.send_message(QueueUrl=url, MessageBody=body)

    def delete(self, url: str, receipt_handle: str) -> None:
        with explained(f"queue {url}"):
            self.sqs.delete_message(QueueUrl=url, ReceiptHandle=receipt_handle)

    def start_move_task(self, source_arn: str, destination_arn: str) -> str | None:
        """Start an SQS message move task; None when the runtime does not implement it."""
        with explained("StartMessageMoveTask"):
            try:
                return self.sqs.start_message_move_task(SourceArn=source_arn, DestinationArn=destination_arn)[
                    "TaskHandle"
                ]
            except ClientError as error:
                if error_code(error) in _NOT_IMPLEMENTED:
                    return None
                raise

    def move_task_progress(self, source_arn: str, task_handle: str) -> MoveTaskProgress:
        with explained("ListMessageMoveTasks"):
            results = self.sqs.list_message_move_tasks(SourceArn=source_arn, MaxResults=10)["Results"]
        # The running task carries its handle; a finished one may not (LocalStack drops it), so the newest counts.
        task = next((result for result in results if result.get("TaskHandle") == task_handle), results[0])
        return MoveTaskProgress(
            status=task["Status"],
            moved=int(task.get("ApproximateNumberOfMessagesMoved", 0)),
            to_move=int(task.get("ApproximateNumberOfMessagesToMove", 0)),
            failure=task.get("FailureReason"),
        )
