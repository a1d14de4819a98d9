"""Adapters of the order service to AWS: the DynamoDB order repository and KMS contact encryption."""

from .contact_encryption import KmsContactEncryption
from .order_repository import DynamoDbOrderRepository

__all__ = ["DynamoDbOrderRepository", "KmsContactEncryption"]
