"""What the soak sends and when it breaks things: the orders to place and the fault schedule, both pure.

Faults fire at a share of the orders sent, so a run of 300 and a run of 10,000 orders meet the same faults at
the same points of their load, spread over it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

__all__ = [
    "DECLINED_TOKENS",
    "Fault",
    "FaultKind",
    "PlannedOrder",
    "fault_schedule",
    "fire_index",
    "plan_orders",
]

FaultKind = Literal["kill", "term", "bus_down", "bus_up"]

DECLINED_TOKENS = ("tok_declined", "tok_insufficient_funds", "tok_expired")
DECLINED_SHARE = 0.15
DUPLICATE_SHARE = 0.10  # re-POSTed with the same Idempotency-Key
REPLAY_SHARE = 0.10  # their events put on the bus a second time
ORDERS_PER_CUSTOMER = 5


@dataclass(frozen=True)
class Fault:
    at_share: float  # of the orders sent when it fires
    kind: FaultKind
    target: str  # a process name, or "eventbridge"

    def describe(self) -> str:
        return {
            "kill": f"kill -9 {self.target}, then start it again",
            "term": f"SIGTERM {self.target} (graceful stop), then start it again",
            "bus_down": "EventBridge unreachable for the services (the fault proxy refuses): events wait in outboxes",
            "bus_up": "EventBridge reachable again: the outbox relays drain",
        }[self.kind]


# Every consumer and the order API killed at least once, payment twice (it holds leases), one graceful
# restart of a queue worker and one of the order API under load, and a bus outage in the middle.
SCHEDULE: tuple[Fault, ...] = (
    Fault(0.08, "kill", "order"),
    Fault(0.16, "kill", "payment"),
    Fault(0.24, "kill", "loyalty"),
    Fault(0.32, "kill", "notifications"),
    Fault(0.42, "bus_down", "eventbridge"),
    Fault(0.54, "bus_up", "eventbridge"),
    Fault(0.62, "term", "loyalty"),
    Fault(0.70, "term", "order"),
    Fault(0.78, "kill", "payment"),
    Fault(0.86, "term", "notifications"),
)


def fault_schedule() -> list[Fault]:
    return sorted(SCHEDULE, key=lambda fault: fault.at_share)


def fire_index(fault: Fault, orders: int) -> int:
    """The number of orders sent when `fault` fires: at least 1, at most `orders`."""
    return min(orders, max(1, round(fault.at_share * orders)))


@dataclass(frozen=True)
class PlannedOrder:
    index: int
    customer_id: str
    token: str
    contact: dict[str, str]
    unit_price: Decimal
    quantity: int
    idempotency_key: str
    duplicate_post: bool  # POSTed again with the same key once answered
    replay_events: bool  # its events are put on the bus a second time

    @property
    def approved(self) -> bool:
        return self.token not in DECLINED_TOKENS

    def body(self) -> dict[str, object]:
        return {
            "customer_id": self.customer_id,
            "currency": "USD",
            "items": [{"sku": f"SKU-{self.index % 37}", "quantity": self.quantity, "unit_price": str(self.unit_price)}],
            "payment_token": self.token,
            "contact": self.contact,
        }


def plan_orders(orders: int, *, seed: int, run_id: str) -> list[PlannedOrder]:
    """`orders` orders of several customers (about five each, each with a phone or an e-mail), 15 % declined,
    10 % POSTed twice and 10 % with their events replayed; the same seed gives the same plan."""
    rng = random.Random(seed)
    customers = max(2, orders // ORDERS_PER_CUSTOMER)
    duplicates = set(rng.sample(range(orders), round(orders * DUPLICATE_SHARE)))
    replays = set(rng.sample(range(orders), round(orders * REPLAY_SHARE)))
    planned = []
    for index in range(orders):
        number = rng.randrange(customers) if index >= customers else index  # every customer orders at least once
        contact = {"phone": f"+1555{number:07d}"} if number % 2 == 0 else {"email": f"soak-{number}@example.com"}
        declined = rng.random() < DECLINED_SHARE
        planned.append(
            PlannedOrder(
                index=index,
                customer_id=f"c-soak-{run_id}-{number}",
                token=rng.choice(DECLINED_TOKENS) if declined else "tok_success",
                contact=contact,
                unit_price=Decimal(rng.randrange(100, 40_000)) / 100,
                quantity=rng.randint(1, 3),
                idempotency_key=f"soak-{run_id}-{index}",
                duplicate_post=index in duplicates,
                replay_events=index in replays,
            )
        )
    return planned
