"""How an order is laid out in DynamoDB: money as exact strings, times as fixed-width sortable UTC strings."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from shop_shared.aws import from_item, to_item

from shop_order.domain import Order

__all__ = ["SORTABLE_TIME", "customer_index_key", "order_from_item", "order_to_item", "sortable_time"]

# `created_at` is the range key of the by-customer index, so its strings must sort like the instants:
# always UTC, always six fractional digits ("...:00Z" would sort after "...:00.5Z").
SORTABLE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")
CUSTOMER_INDEX_KEY = ("customer_id", "created_at", "order_id")


def sortable_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def order_to_item(order: Order) -> dict[str, Any]:
    # JSON mode turns every Decimal into its exact string ("39.98"): money never becomes a float on the way.
    values = order.model_dump(mode="json")
    values["created_at"] = sortable_time(order.created_at)
    values["updated_at"] = sortable_time(order.updated_at)
    return to_item(values)


def order_from_item(item: dict[str, Any]) -> Order:
    return Order.model_validate(from_item(item))


def customer_index_key(item: dict[str, Any]) -> dict[str, str]:
    """The key a by-customer query reports as LastEvaluatedKey after `item`: index keys plus the table key."""
    values = from_item({name: item[name] for name in CUSTOMER_INDEX_KEY})
    return {name: str(value) for name, value in values.items()}
