"""The soak's plan: which faults fire when, and which orders it places."""

from collections import Counter

import pytest
from shop_devtools.soak.schedule import DECLINED_TOKENS, fault_schedule, fire_index, plan_orders


def test_every_service_is_killed_and_one_is_stopped_gracefully_and_the_bus_goes_down_and_back() -> None:
    faults = fault_schedule()
    killed = {fault.target for fault in faults if fault.kind == "kill"}
    assert {"order", "payment", "loyalty", "notifications"} <= killed
    assert any(fault.kind == "term" for fault in faults)
    kinds = [fault.kind for fault in faults]
    assert kinds.count("bus_down") == kinds.count("bus_up") == 1
    assert kinds.index("bus_down") < kinds.index("bus_up")


def test_faults_are_spread_over_the_load_in_order() -> None:
    shares = [fault.at_share for fault in fault_schedule()]
    assert shares == sorted(shares)
    assert 0 < shares[0] and shares[-1] < 1
    assert shares[-1] - shares[0] >= 0.5  # spread, not bunched at the start


@pytest.mark.parametrize("orders", [10, 300, 10_000])
def test_every_fault_fires_while_orders_are_still_being_sent(orders: int) -> None:
    for fault in fault_schedule():
        assert 1 <= fire_index(fault, orders) < orders


def test_the_plan_mixes_customers_tokens_contacts_duplicates_and_replays() -> None:
    plan = plan_orders(1000, seed=7, run_id="r")
    assert [order.index for order in plan] == list(range(1000))
    per_customer = Counter(order.customer_id for order in plan)
    assert len(per_customer) == 200 and min(per_customer.values()) >= 1 and max(per_customer.values()) > 3
    declined = sum(order.token in DECLINED_TOKENS for order in plan)
    assert 100 <= declined <= 200  # about 15 %
    assert sum(order.duplicate_post for order in plan) == 100
    assert sum(order.replay_events for order in plan) == 100
    contacts = Counter(next(iter(order.contact)) for order in plan)
    assert contacts["phone"] > 0 and contacts["email"] > 0
    assert len({order.idempotency_key for order in plan}) == 1000


def test_a_customer_keeps_one_contact_and_the_same_seed_gives_the_same_plan() -> None:
    plan = plan_orders(300, seed=3, run_id="r")
    contact_of: dict[str, dict[str, str]] = {}
    for order in plan:
        assert contact_of.setdefault(order.customer_id, order.contact) == order.contact
    assert plan == plan_orders(300, seed=3, run_id="r")
    assert plan != plan_orders(300, seed=4, run_id="r")


def test_an_order_body_is_what_the_order_api_takes() -> None:
    order = plan_orders(10, seed=1, run_id="r")[0]
    body = order.body()
    assert body["customer_id"] == order.customer_id and body["payment_token"] == order.token
    assert body["items"] == [{"sku": "SKU-0", "quantity": order.quantity, "unit_price": str(order.unit_price)}]
    assert order.unit_price.as_tuple().exponent == -2 and order.unit_price > 0
