"""shopctl status: the colour and its reasons from the facts, read through a fake of the AWS boundary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shop_devtools.shopctl.aws import Backlog, Executions, QueueCounts
from shop_devtools.shopctl.names import ShopNames
from shop_devtools.shopctl.status import Health, collect_status
from shop_shared.topology import load_topology

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
NAMES = ShopNames(load_topology(), "shop-")


class FakeAws:
    """Every queue of the topology exists and is empty; tests set what differs."""

    def __init__(self) -> None:
        self.counts: dict[str, QueueCounts] = {}
        self.missing: set[str] = {ref.name for ref in NAMES.dlqs() if ref.kind != "queue"}  # as locally
        self.outboxes: dict[str, Backlog] = {}
        self.unknown = Backlog(0, None)
        self.failed: list[tuple[str, str, datetime]] = []
        self.received: list[str] = []

    def queue_url(self, name: str) -> str | None:
        return None if name in self.missing else f"https://sqs/{name}"

    def queue_counts(self, url: str) -> QueueCounts:
        return self.counts.get(url.rsplit("/", 1)[-1], QueueCounts(0, 0))

    def oldest_message_age(self, queue_name: str) -> float | None:
        return None

    def outbox_backlog(self, table: str) -> Backlog:
        return self.outboxes.get(table, Backlog(0, None))

    def unknown_payments(self, table: str) -> Backlog:
        return self.unknown

    def state_machine_arn(self, name: str) -> str | None:
        return f"arn:states:{name}"

    def executions(self, arn: str, *, failed_since: datetime) -> Executions:
        return Executions(0, [item for item in self.failed if item[2] >= failed_since])


def test_an_idle_deployment_is_green_and_the_aws_only_dlqs_are_not_a_fault() -> None:
    report = collect_status(FakeAws(), NAMES, now=NOW)
    assert report.health is Health.GREEN and report.reasons == []
    assert {dlq.kind for dlq in report.dlqs if not dlq.exists} == {"rule-target", "schedule"}
    assert report.as_json()["health"] == "green"


def test_a_queue_backlog_is_amber() -> None:
    aws = FakeAws()
    aws.counts["shop-loyalty-order-events"] = QueueCounts(visible=7, in_flight=0)
    report = collect_status(aws, NAMES, now=NOW)
    assert report.health is Health.AMBER
    assert report.reasons == ["shop-loyalty-order-events: backlog of 7 message(s) (consumer down or slow?)"]


def test_messages_in_flight_only_are_no_backlog() -> None:
    aws = FakeAws()
    aws.counts["shop-loyalty-order-events"] = QueueCounts(visible=0, in_flight=3)
    assert collect_status(aws, NAMES, now=NOW).health is Health.GREEN


def test_any_dead_letter_is_red_even_in_flight() -> None:
    aws = FakeAws()
    aws.counts["shop-notifications-events-dlq"] = QueueCounts(visible=0, in_flight=1)
    aws.counts["shop-loyalty-order-events"] = QueueCounts(visible=2, in_flight=0)
    report = collect_status(aws, NAMES, now=NOW)
    assert report.health is Health.RED
    assert report.reasons[0].startswith("shop-notifications-events-dlq holds 1 dead message(s)")
    assert any("backlog of 2" in reason for reason in report.reasons)  # amber reasons follow the red ones


def test_an_outbox_entry_is_amber_until_it_is_five_minutes_old() -> None:
    aws = FakeAws()
    aws.outboxes["shop-order-outbox"] = Backlog(3, NOW - timedelta(seconds=20))
    assert collect_status(aws, NAMES, now=NOW).health is Health.AMBER
    aws.outboxes["shop-order-outbox"] = Backlog(3, NOW - timedelta(minutes=6))
    report = collect_status(aws, NAMES, now=NOW)
    assert report.health is Health.RED and "shop-order-outbox: an entry waits for 360 s" in report.reasons[0]


def test_a_failed_execution_counts_for_24_hours() -> None:
    aws = FakeAws()
    aws.failed = [("run-old", "FAILED", NOW - timedelta(hours=25))]
    assert collect_status(aws, NAMES, now=NOW).health is Health.GREEN
    aws.failed.append(("run-new", "TIMED_OUT", NOW - timedelta(hours=2)))
    report = collect_status(aws, NAMES, now=NOW)
    assert report.health is Health.RED
    assert report.executions[0].failed_recently == [
        {"name": "run-new", "status": "TIMED_OUT", "stopped_at": (NOW - timedelta(hours=2)).isoformat()}
    ]


def test_unknown_payments_are_amber_then_red_after_an_hour() -> None:
    aws = FakeAws()
    aws.unknown = Backlog(2, NOW - timedelta(minutes=10))
    assert collect_status(aws, NAMES, now=NOW).health is Health.AMBER
    aws.unknown = Backlog(2, NOW - timedelta(hours=2))
    assert collect_status(aws, NAMES, now=NOW).health is Health.RED


def test_a_missing_consumer_queue_is_red() -> None:
    aws = FakeAws()
    aws.missing.add("shop-order-payment-outcomes")
    report = collect_status(aws, NAMES, now=NOW)
    assert report.health is Health.RED and report.reasons == ["shop-order-payment-outcomes does not exist"]
