"""AWS adapters shared by every service: client factory and DynamoDB helpers."""

from .clients import LONG_POLL_READ_TIMEOUT, client_config, open_client
from .dynamodb import from_item, is_condition_failure, stable_shard, to_item, transaction_conflicts
from .errors import is_aws_outage

__all__ = [
    "LONG_POLL_READ_TIMEOUT",
    "client_config",
    "from_item",
    "is_aws_outage",
    "is_condition_failure",
    "open_client",
    "stable_shard",
    "to_item",
    "transaction_conflicts",
]
