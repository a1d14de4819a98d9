"""Adapters of the order service to AWS: the DynamoDB order repository, idempotency records and KMS encryption."""

from .contact_encryption import KmsContactEncryption
from .idempotency_records import DynamoDbIdempotencyRecords
from .order_repository import DynamoDbOrderRepository

__all__ = ["DynamoDbIdempotencyRecords", "DynamoDbOrderRepository", "KmsContactEncryption"]
