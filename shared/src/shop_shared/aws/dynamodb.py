"""Small helpers for DynamoDB's low-level item format and its conditional-write errors."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

__all__ = ["from_item", "is_condition_failure", "stable_shard", "to_item", "transaction_conflicts"]

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    """Serialise plain values (str, int, Decimal, bool, lists, maps); `None` attributes are left out."""
    return {key: _serializer.serialize(value) for key, value in values.items() if value is not None}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _deserializer.deserialize(value) for key, value in item.items()}


def is_condition_failure(error: ClientError) -> bool:
    """True when a conditional write or a transaction lost on a condition (not a transient failure)."""
    code = error.response.get("Error", {}).get("Code")
    if code == "ConditionalCheckFailedException":
        return True
    return code == "TransactionCanceledException" and "ConditionalCheckFailed" in transaction_conflicts(error)


def transaction_conflicts(error: ClientError) -> list[str]:
    """The per-item cancellation codes of a cancelled transaction, in request order."""
    return [reason.get("Code", "None") for reason in error.response.get("CancellationReasons", [])]


def stable_shard(key: str, shards: int) -> str:
    """The write shard of a sharded index key ("0" .. shards-1): the same for a key on every process and start."""
    return str(int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % shards)
