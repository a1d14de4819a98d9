"""The ledger of credited orders: one item per order, written only if absent, so an order credits once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shop_shared.aws import to_item

__all__ = ["DynamoDbLedger"]


class DynamoDbLedger:
    def __init__(self, table_name: str) -> None:
        self._table = table_name

    def record_item(
        self, *, order_id: str, customer_id: str, points: int, month: str, credited_at: datetime, event_id: str
    ) -> dict[str, Any]:
        """A `TransactWriteItems` element that fails its condition if the order was credited before."""
        item = to_item(
            {
                "order_id": order_id,
                "customer_id": customer_id,
                "points": points,
                "month": month,
                "credited_at": credited_at.isoformat(),
                "event_id": event_id,
            }
        )
        return {
            "Put": {
                "TableName": self._table,
                "Item": item,
                "ConditionExpression": "attribute_not_exists(order_id)",
            }
        }
