"""Adapters of the loyalty service: DynamoDB accounts, ledger and transactions."""

from .accounts import DynamoDbAccounts
from .ledger import DynamoDbLedger
from .transactions import DynamoDbTransactions, TransactionCancelled

__all__ = ["DynamoDbAccounts", "DynamoDbLedger", "DynamoDbTransactions", "TransactionCancelled"]
