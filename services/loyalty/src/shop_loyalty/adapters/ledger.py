"""The ledger: per order one credit entry and at most one reversal entry, each written only if absent.

The table's key is `order_id` alone, so an order's reversal is its own item under the key
`<order_id>#reversal` (see `ledger_key`); `kind` and `reverses_order_id` say what it is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shop_shared.aws import to_item

from shop_loyalty.ports import EntryKind

__all__ = ["DynamoDbLedger", "ledger_key"]

ABSENT = "attribute_not_exists(order_id)"


def ledger_key(order_id: str, kind: EntryKind) -> str:
    """The ledger item key of an order's entry of that kind."""
    return order_id if kind == "credit" else f"{order_id}#reversal"


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
                "kind": "credit",
                "customer_id": customer_id,
                "points": points,
                "month": month,
                "credited_at": credited_at.isoformat(),
                "event_id": event_id,
            }
        )
        return {"Put": {"TableName": self._table, "Item": item, "ConditionExpression": ABSENT}}

    def not_reversed_item(self, order_id: str) -> dict[str, Any]:
        return self._absent(ledger_key(order_id, "reversal"))

    def reversal_item(
        self,
        *,
        order_id: str,
        customer_id: str,
        points: int,
        month: str,
        credited: bool,
        reversed_at: datetime,
        event_id: str,
    ) -> dict[str, Any]:
        """A `TransactWriteItems` element that fails its condition if the order was reversed before."""
        item = to_item(
            {
                "order_id": ledger_key(order_id, "reversal"),
                "kind": "reversal",
                "reverses_order_id": order_id,
                "customer_id": customer_id,
                "points": points,
                "month": month,
                "credited": credited,
                "reversed_at": reversed_at.isoformat(),
                "event_id": event_id,
            }
        )
        return {"Put": {"TableName": self._table, "Item": item, "ConditionExpression": ABSENT}}

    def not_credited_item(self, order_id: str) -> dict[str, Any]:
        return self._absent(ledger_key(order_id, "credit"))

    def _absent(self, key: str) -> dict[str, Any]:
        return {
            "ConditionCheck": {
                "TableName": self._table,
                "Key": to_item({"order_id": key}),
                "ConditionExpression": ABSENT,
            }
        }
