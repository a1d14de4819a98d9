"""Adapters of the order service to AWS: the DynamoDB order repository, idempotency records, rate limit counters
and KMS encryption."""

from .contact_encryption import KmsContactEncryption
from .idempotency_records import DynamoDbIdempotencyRecords
from .order_repository import DynamoDbOrderRepository
from .rate_limits import DynamoDbOrderRateLimiter

__all__ = ["DynamoDbIdempotencyRecords", "DynamoDbOrderRateLimiter", "DynamoDbOrderRepository", "KmsContactEncryption"]
