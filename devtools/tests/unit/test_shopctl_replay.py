"""Replay without AWS: the window, the event log's selection, the batches put back, the archive's rule plan."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from shop_devtools.shopctl.exceptions import ShopctlError
from shop_devtools.shopctl.replay import (
    LoggedEvent,
    ReplayProgress,
    ReplayRequest,
    parse_moment,
    plan_archive_replay,
    replay_logged,
    select_logged,
    wait_for_replay,
)
from shop_shared.topology import load_topology

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
WINDOW = ReplayRequest(NOW - timedelta(hours=1), NOW)


def logged(event_type: str, at: datetime, *, event_id: str, bridge_id: str = "eb-1") -> str:
    """A log line as the event-log rule writes it: the whole EventBridge event."""
    return json.dumps(
        {
            "version": "0",
            "id": bridge_id,
            "detail-type": event_type,
            "source": "shop.order",
            "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "detail": {"metadata": {"event_id": event_id, "event_type": event_type}, "data": {}},
        }
    )


def event(number: int) -> LoggedEvent:
    return LoggedEvent(f"e-{number}", "shop.order", "order.created", NOW, {"metadata": {"event_id": f"e-{number}"}})


def test_a_moment_is_an_age_or_an_iso_time_in_utc_by_default() -> None:
    assert parse_moment("30m", now=NOW) == NOW - timedelta(minutes=30)
    assert parse_moment("2h", now=NOW) == NOW - timedelta(hours=2)
    assert parse_moment("1d", now=NOW) == NOW - timedelta(days=1)
    assert parse_moment("2026-11-27T09:00Z", now=NOW) == datetime(2026, 11, 27, 9, tzinfo=UTC)
    assert parse_moment("2026-11-27 09:00", now=NOW) == datetime(2026, 11, 27, 9, tzinfo=UTC)
    assert parse_moment("2026-11-27T10:00+01:00", now=NOW) == datetime(2026, 11, 27, 9, tzinfo=UTC)
    with pytest.raises(ValueError, match="neither an ISO 8601 time"):
        parse_moment("last tuesday", now=NOW)


def test_a_window_runs_forwards_over_known_types() -> None:
    with pytest.raises(ShopctlError, match="must be before"):
        ReplayRequest(NOW, NOW)
    with pytest.raises(ShopctlError, match="unknown event type"):
        ReplayRequest(NOW - timedelta(hours=1), NOW, frozenset({"order.shipped"}))


def test_the_log_gives_each_event_of_the_window_and_types_once_oldest_first() -> None:
    request = ReplayRequest(NOW - timedelta(hours=1), NOW, frozenset({"order.created"}))
    lines = [
        logged("order.created", NOW - timedelta(minutes=5), event_id="late"),
        logged("order.created", NOW - timedelta(minutes=50), event_id="early"),
        # The same event replayed once already: logged again under a new EventBridge id.
        logged("order.created", NOW - timedelta(minutes=50), event_id="early", bridge_id="eb-2"),
        logged("payment.failed", NOW - timedelta(minutes=20), event_id="other-type"),
        logged("order.created", NOW - timedelta(hours=2), event_id="before-the-window"),
        "not json",
    ]
    events, unreadable = select_logged(lines, request)
    assert [event.event_id for event in events] == ["early", "late"]
    assert events[0].detail["metadata"]["event_id"] == "early"
    assert unreadable == 1


def test_an_event_without_an_envelope_id_is_known_by_its_bridge_id() -> None:
    line = json.dumps(
        {
            "id": "eb-9",
            "detail-type": "order.created",
            "source": "shop.order",
            "time": "2026-11-27T11:30:00Z",
            "detail": {},
        }
    )
    [only], _ = select_logged([line], WINDOW)
    assert only.event_id == "eb-9"


class RefusingBus:
    """Refuses the events in `refusals` for as many calls as given, then takes them."""

    def __init__(self, refusals: dict[str, int]) -> None:
        self.refusals = refusals
        self.calls: list[list[str]] = []

    def put_events(self, bus: str, events: Sequence[LoggedEvent]) -> list[LoggedEvent]:
        self.calls.append([event.event_id for event in events])
        refused = [event for event in events if self.refusals.get(event.event_id, 0) > 0]
        for event in refused:
            self.refusals[event.event_id] -= 1
        return refused


def test_events_are_put_back_ten_at_a_time_and_a_refused_one_is_retried() -> None:
    bus, progress = RefusingBus({"e-3": 2}), []
    replay_logged(bus, "shop-events", [event(n) for n in range(12)], progress.append)
    assert bus.calls[0] == [f"e-{n}" for n in range(10)]
    assert bus.calls[1:3] == [["e-3"], ["e-3"]]
    assert bus.calls[3] == ["e-10", "e-11"]
    assert progress == [10, 12]


def test_an_event_the_bus_keeps_refusing_stops_the_replay_with_what_was_done() -> None:
    bus, progress = RefusingBus({"e-11": 3}), []
    with pytest.raises(ShopctlError, match=r"refused 1 event.* 3 times .*e-11.*10 were replayed"):
        replay_logged(bus, "shop-events", [event(n) for n in range(12)], progress.append)
    assert progress == [10]


def test_the_archive_replays_every_rule_or_those_of_the_types_and_says_what_comes_along() -> None:
    topology = load_topology()
    assert plan_archive_replay(topology, WINDOW).rules == list(topology.rules)
    failed = plan_archive_replay(topology, ReplayRequest(WINDOW.start, WINDOW.end, frozenset({"payment.failed"})))
    assert failed.rules == ["payment-failed-to-loyalty", "payment-failed-to-notifications", "payment-outcomes-to-order"]
    assert failed.also_replayed == {"payment-outcomes-to-order": ["payment.succeeded"]}
    with pytest.raises(ShopctlError, match="no rule of the topology receives"):
        plan_archive_replay(topology, ReplayRequest(WINDOW.start, WINDOW.end, frozenset({"payment.refunded"})))


def test_waiting_for_a_replay_follows_it_through_the_window_until_it_ends() -> None:
    states = iter(
        [
            ReplayProgress("STARTING", None),
            ReplayProgress("RUNNING", WINDOW.start + timedelta(minutes=15)),
            ReplayProgress("RUNNING", WINDOW.start + timedelta(minutes=45)),
            ReplayProgress("COMPLETED", WINDOW.start + timedelta(minutes=45)),
        ]
    )
    fractions: list[float] = []
    sleeps: list[float] = []
    final = wait_for_replay(
        lambda: next(states), WINDOW, fractions.append, timeout_seconds=60, clock=lambda: 0.0, sleep=sleeps.append
    )
    assert final.state == "COMPLETED"
    assert fractions == [0.0, 0.25, 0.75, 1.0]
    assert len(sleeps) == 3


def test_waiting_stops_at_the_timeout_and_returns_the_replay_still_running() -> None:
    clock = iter([0.0, 10.0, 70.0])
    final = wait_for_replay(
        lambda: ReplayProgress("RUNNING", None),
        WINDOW,
        lambda _: None,
        timeout_seconds=60,
        clock=lambda: next(clock),
        sleep=lambda _: None,
    )
    assert final.state == "RUNNING" and not final.finished


def test_a_failed_replay_is_finished_with_its_reason() -> None:
    failed = ReplayProgress("FAILED", None, "archive deleted")
    assert failed.finished and failed.fraction(WINDOW) == 0.0
