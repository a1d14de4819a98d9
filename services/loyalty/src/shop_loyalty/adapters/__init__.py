"""Adapters of the loyalty service: DynamoDB accounts and ledger, and the loyalty partner's API.

Their writes are named state changes committed by `shop_shared.outbox.unit_of_work.DynamoDbUnitOfWork`.
"""

from .accounts import DynamoDbAccounts
from .ledger import DynamoDbLedger
from .partner import HttpLoyaltyPartner
from .partner_notes import DynamoDbPartnerNotes

__all__ = [
    "DynamoDbAccounts",
    "DynamoDbLedger",
    "DynamoDbPartnerNotes",
    "HttpLoyaltyPartner",
]
