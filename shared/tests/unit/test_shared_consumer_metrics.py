"""The consumer's figures are valid CloudWatch Embedded Metric Format lines on stdout."""

import asyncio
import json
from typing import Any

import pytest
from shop_shared.messaging.backlog import BacklogReporter
from shop_shared.observability.metrics import ConsumerMetrics


def emf_lines(out: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{") and '"_aws"' in line]
    for line in lines:
        [directive] = line["_aws"]["CloudWatchMetrics"]
        assert isinstance(line["_aws"]["Timestamp"], int)
        assert directive["Namespace"] == "Shop"
        assert directive["Dimensions"] == [["Service", "Queue"]]
        assert line["Service"] == "loyalty" and line["Queue"] == "order-events"
        for metric in directive["Metrics"]:
            assert isinstance(line[metric["Name"]], int | float), f"no value for {metric['Name']}"
    return lines


def metric_units(line: dict[str, Any]) -> dict[str, str]:
    return {metric["Name"]: metric["Unit"] for metric in line["_aws"]["CloudWatchMetrics"][0]["Metrics"]}


async def test_a_handled_message_writes_its_processing_time_and_outcome(capsys: pytest.CaptureFixture[str]) -> None:
    await ConsumerMetrics("loyalty", "order-events").message_handled("succeeded", 12.5)
    [line] = emf_lines(capsys.readouterr().out)
    assert metric_units(line) == {"ProcessingTime": "Milliseconds", "MessagesSucceeded": "Count"}
    assert line["ProcessingTime"] == 12.5 and line["MessagesSucceeded"] == 1 and line["Outcome"] == "succeeded"


async def test_the_backlog_figure_has_queue_depth_and_in_flight(capsys: pytest.CaptureFixture[str]) -> None:
    await ConsumerMetrics("loyalty", "order-events").backlog(visible=42, not_visible=3, in_flight=2)
    [line] = emf_lines(capsys.readouterr().out)
    assert set(metric_units(line)) == {
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "InFlight",
    }
    assert (line["ApproximateNumberOfMessages"], line["ApproximateNumberOfMessagesNotVisible"], line["InFlight"]) == (
        42,
        3,
        2,
    )


class FlakyAttributes:
    """A queue whose first attribute read fails; `third_read` is set at the third."""

    def __init__(self) -> None:
        self.reads = 0
        self.third_read = asyncio.Event()

    async def get_queue_attributes(self, QueueUrl: str, AttributeNames: list[str]) -> dict[str, Any]:
        self.reads += 1
        if self.reads == 3:
            self.third_read.set()
        if self.reads == 1:
            raise ConnectionError("sqs unreachable")
        return {"Attributes": {name: "7" for name in AttributeNames}}


async def test_a_failed_backlog_read_skips_one_figure_and_the_reporter_goes_on(
    capsys: pytest.CaptureFixture[str],
) -> None:
    sqs, stop = FlakyAttributes(), asyncio.Event()
    reporter = BacklogReporter(sqs, "url", ConsumerMetrics("loyalty", "order-events"), lambda: 3, 0.01)

    running = asyncio.create_task(reporter.run(stop))
    await asyncio.wait_for(sqs.third_read.wait(), 5)
    stop.set()
    await asyncio.wait_for(running, 5)

    lines = emf_lines(capsys.readouterr().out)
    assert len(lines) >= 2 and lines[0]["ApproximateNumberOfMessages"] == 7 and lines[0]["InFlight"] == 3
