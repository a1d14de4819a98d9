"""shopctl's names: every DLQ of the topology under a prefix, and how an operator may name one."""

from __future__ import annotations

import pytest
from shop_devtools.shopctl.exceptions import QueueNotFound
from shop_devtools.shopctl.names import ShopNames
from shop_shared.topology import load_topology

NAMES = ShopNames(load_topology(), "shop-prod-")


def test_every_kind_of_dlq_is_named_as_terraform_names_it() -> None:
    names = {ref.name: ref.kind for ref in NAMES.dlqs()}
    assert names["shop-prod-loyalty-order-events-dlq"] == "queue"
    assert names["shop-prod-order-created-to-payment-target-dlq"] == "rule-target"
    assert names["shop-prod-loyalty-tiers-monthly-schedule-dlq"] == "schedule"
    assert len(names) == len(NAMES.topology.queues) + len(NAMES.topology.rules) + len(NAMES.topology.schedules)


@pytest.mark.parametrize(
    "given", ["loyalty-order-events", "loyalty-order-events-dlq", "shop-prod-loyalty-order-events-dlq"]
)
def test_a_queue_dlq_is_found_by_its_queue_its_key_or_its_physical_name(given: str) -> None:
    ref = NAMES.resolve_dlq(given)
    assert (ref.name, ref.source_queue) == ("shop-prod-loyalty-order-events-dlq", "shop-prod-loyalty-order-events")


def test_an_unknown_name_lists_the_known_dlqs() -> None:
    with pytest.raises(QueueNotFound, match="known: loyalty-order-events-dlq"):
        NAMES.resolve_dlq("order-created")


def test_outbox_tables_are_those_with_the_pending_index() -> None:
    assert NAMES.outbox_tables() == {
        "order-outbox": "shop-prod-order-outbox",
        "payment-outbox": "shop-prod-payment-outbox",
        "loyalty-outbox": "shop-prod-loyalty-outbox",
    }
