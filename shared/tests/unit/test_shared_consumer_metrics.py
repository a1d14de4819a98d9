"""The consumer's figures are valid CloudWatch Embedded Metric Format lines on stdout."""

import json
from typing import Any

import pytest
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
