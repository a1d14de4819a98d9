"""Transactional outbox: store events with the state change, publish after commit, sweep the rest."""

from .after_commit import BackgroundPublisher
from .dynamodb import OUTBOX_SHARDS, PENDING_INDEX, DynamoDbOutbox, PendingEntry
from .metrics import OutboxMetrics
from .relay import OutboxRelay
from .unit_of_work import DynamoDbUnitOfWork as DynamoDbUnitOfWork

__all__ = [
    "OUTBOX_SHARDS",
    "PENDING_INDEX",
    "BackgroundPublisher",
    "DynamoDbOutbox",
    "OutboxMetrics",
    "OutboxRelay",
    "PendingEntry",
]
