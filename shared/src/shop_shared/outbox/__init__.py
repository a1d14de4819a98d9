"""Transactional outbox: store events with the state change, publish after commit, sweep the rest."""

from .dynamodb import DynamoDbOutbox, PendingEntry
from .relay import OutboxRelay

__all__ = ["DynamoDbOutbox", "OutboxRelay", "PendingEntry"]
