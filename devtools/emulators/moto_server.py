"""moto's server as the local DynamoDB, with transactions that behave like DynamoDB's and stay fast.

Run by the moto environment's interpreter (`python moto_server.py -H 127.0.0.1 -p PORT`): `make up`, the tests
and the benchmark start it, never imported by the workspace. moto 5.2.5 deep-copies every table a
TransactWriteItems names before writing, to roll back on a cancellation: about 60 us per stored item, so 0.6 s
per transaction on a 10,000-account table and about 7 s on a 100,000-account one. A tier run saves every change
in its own transaction (account + outbox entry), which makes the run over 100,000 customers take days on stock
moto; the cost is the emulator's, AWS has nothing like it.

Here a transaction backs up the touched partitions (one item each on our tables), runs moto's own code with the
table copy skipped, and puts the backup back if moto cancels it. Transactions are also serialised: stock moto
lets two interleave between condition check and write, so two concurrent requests with one idempotency key
could both create an order, which DynamoDB's serializable transactions never allow. Tables with a stream take
moto's stock path, because a cancelled write must also take back its stream records. Single-item writes (PutItem,
UpdateItem, DeleteItem) take the same lock: stock moto checks a condition and writes in two steps, so two
concurrent conditional updates of one counter could both pass a `count < limit` that DynamoDB lets only one pass.
"""

from __future__ import annotations

import copy
import sys
import threading
import types
from typing import Any

from moto.dynamodb import models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.server import main

_stock_transact_write_items = DynamoDBBackend.transact_write_items
_stock_single_writes = {name: getattr(DynamoDBBackend, name) for name in ("put_item", "update_item", "delete_item")}
# Re-entrant: moto's transaction calls the backend's own put_item, update_item and delete_item.
_transactions = threading.RLock()
_skip_table_copy = threading.local()


def _deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
    if isinstance(value, Table) and getattr(_skip_table_copy, "active", False):
        return value  # the rollback below restores the touched items instead
    return copy.deepcopy(value, memo)


def _touched_partitions(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> list[tuple[Table, Any]]:
    """(table, hash key) of every element; empty when moto's stock path must run (a stream, a malformed key)."""
    touched: list[tuple[Table, Any]] = []
    for element in transact_items:
        if len(element) != 1:
            return []
        operation, arguments = next(iter(element.items()))
        table = backend.tables.get(arguments.get("TableName", ""))
        if table is None or table.stream_shard is not None:
            return []
        key = arguments.get("Item" if operation == "Put" else "Key") or {}
        if table.hash_key_attr not in key:
            return []
        touched.append((table, DynamoType(key[table.hash_key_attr])))
    return touched


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    with _transactions:
        touched = _touched_partitions(self, transact_items)
        if not touched:
            _stock_transact_write_items(self, transact_items)
            return
        backup = [(table, hash_key, copy.deepcopy(table.items.get(hash_key))) for table, hash_key in touched]
        _skip_table_copy.active = True
        try:
            _stock_transact_write_items(self, transact_items)
        except BaseException:
            for table, hash_key, previous in reversed(backup):
                if previous is None:
                    table.items.pop(hash_key, None)
                else:
                    table.items[hash_key] = previous
            raise
        finally:
            _skip_table_copy.active = False


def _serialised(stock: Any) -> Any:
    def write(self: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
        with _transactions:
            return stock(self, *args, **kwargs)

    return write


def install() -> None:
    # moto's models module calls `copy.deepcopy`: give it a `copy` whose deepcopy can skip the table backup.
    dynamodb_models.copy = types.SimpleNamespace(**{**vars(copy), "deepcopy": _deepcopy})  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    for name, stock in _stock_single_writes.items():
        setattr(DynamoDBBackend, name, _serialised(stock))


if __name__ == "__main__":
    install()
    main(sys.argv[1:])
