"""The ledger: per order one credit entry and at most one reversal entry, each written only if absent.

The table's key is `order_id` alone, so an order's reversal is its own item under the key
`<order_id>#reversal` (see `ledger_key`); `kind` and `reverses_order_id` say what it is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shop_shared.aws import to_item
from shop_shared.outbox.unit_of_work import StateChange

from shop_loyalty.ports import EntryKind

__all__ = ["DynamoDbLedger", "ledger_change_name", "ledger_key"]

ABSENT = "attribute_not_exists(order_id)"


def ledger_key(order_id: str, kind: EntryKind) -> str:
    """The ledger item key of an order's entry of that kind."""
    return order_id if kind == "credit" else f"{order_id}#reversal"


def ledger_change_name(key: str) -> str:
    """The name of a write or check of the ledger item `key` in a unit of work (shared with the fake)."""
    return f"ledger:{key}"


class DynamoDbLedger:
    def __init__(self, table_name: str) -> None:
        self._table = table_name

    def credit_entry(
        self, *, order_id: str, customer_id: str, points: int, month: str, credited_at: datetime, event_id: str
    ) -> StateChange[dict[str, Any]]:
        """The order's credit entry; its condition fails if the order was credited before."""
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
        return self._put_if_absent(order_id, item)

    def not_reversed_check(self, order_id: str) -> StateChange[dict[str, Any]]:
        return self._absent(ledger_key(order_id, "reversal"))

    def reversal_entry(
        self,
        *,
        order_id: str,
        customer_id: str,
        points: int,
        month: str,
        credited: bool,
        reversed_at: datetime,
        event_id: str,
    ) -> StateChange[dict[str, Any]]:
        """The order's reversal entry; its condition fails if the order was reversed before."""
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
        return self._put_if_absent(ledger_key(order_id, "reversal"), item)

    def not_credited_check(self, order_id: str) -> StateChange[dict[str, Any]]:
        return self._absent(ledger_key(order_id, "credit"))

    def _put_if_absent(self, key: str, item: dict[str, Any]) -> StateChange[dict[str, Any]]:
        put = {"Put": {"TableName": self._table, "Item": item, "ConditionExpression": ABSENT}}
        return StateChange(ledger_change_name(key), put)

    def _absent(self, key: str) -> StateChange[dict[str, Any]]:
        check = {
            "ConditionCheck": {
                "TableName": self._table,
                "Key": to_item({"order_id": key}),
                "ConditionExpression": ABSENT,
            }
        }
        return StateChange(ledger_change_name(key), check)
