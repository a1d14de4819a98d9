"""The soak's printed figures: percentiles and the closing line."""

from collections import Counter

import pytest
from shop_devtools.soak.invariants import Check
from shop_devtools.soak.load import Placed, TimelineEntry
from shop_devtools.soak.report import format_report, percentile
from shop_devtools.soak.schedule import plan_orders
from shop_devtools.soak.settle import Settled


@pytest.mark.parametrize(("share", "expected"), [(0.5, 50.0), (0.95, 95.0), (0.99, 99.0), (1.0, 100.0)])
def test_nearest_rank_percentiles(share: float, expected: float) -> None:
    assert percentile([float(n) for n in range(100, 0, -1)], share) == expected


def test_percentile_of_nothing_is_zero() -> None:
    assert percentile([], 0.99) == 0.0


def test_the_report_shows_the_timeline_in_time_order_and_ends_with_the_count() -> None:
    placed = [
        Placed(order, order_id=f"o{order.index}", attempts=1, seconds=0.1)
        for order in plan_orders(10, seed=1, run_id="r")
    ]
    text = format_report(
        placed=placed,
        rate=5,
        load_seconds=2.0,
        wall_seconds=10.0,
        timeline=[TimelineEntry(3.0, 5, "later"), TimelineEntry(1.0, 2, "earlier")],
        replayed=Counter({"order.created": 1}),
        settled=Settled(ok=True, seconds=4.0, last_state="0 orders pending"),
        provider_stats={"requests": 10},
        cpu_seconds={"localstack": 5.0},
        checks=[Check("a", True, "fine"), Check("b", False, "1 wrong")],
    )
    assert text.index("earlier") < text.index("later")
    assert "localstack 5.0 (0.50)" in text
    assert "FAIL  b: 1 wrong" in text
    assert text.splitlines()[-1] == "1 passed, 1 failed"
