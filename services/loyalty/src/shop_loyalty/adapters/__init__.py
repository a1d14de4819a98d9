"""Adapters of the loyalty service: DynamoDB accounts, ledger and transactions, and the loyalty partner's API."""

from .accounts import DynamoDbAccounts
from .ledger import DynamoDbLedger
from .partner import HttpLoyaltyPartner, PartnerRejected, PartnerUnavailable
from .partner_notes import DynamoDbPartnerNotes
from .transactions import DynamoDbTransactions, TransactionCancelled

__all__ = [
    "DynamoDbAccounts",
    "DynamoDbLedger",
    "DynamoDbPartnerNotes",
    "DynamoDbTransactions",
    "HttpLoyaltyPartner",
    "PartnerRejected",
    "PartnerUnavailable",
    "TransactionCancelled",
]
