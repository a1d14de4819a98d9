"""Loyalty's published interface for the monthly tier run: the one package of loyalty that batch-worker imports.

The tier of a customer is loyalty's data. The accounts table has one owner, loyalty: its handlers credit and
reverse points in it, its API reads it, and its rules (the 12-month window, the thresholds, `requalify`) decide
the tier. The tier run reads and saves the same accounts, under the same optimistic version check, so a credit
racing the run is never lost. It is a separate deployable (batch-worker) only because it scales and fails
differently: a pool of Step Functions activity workers that runs once a month over every account, rather than a
queue consumer that runs all the time. Sharing the table through this module, and not through loyalty's
internals, keeps what the tier run may rely on small and in one place; loyalty can change anything else.

What it needs, and nothing more:
- the accounts: `DynamoDbAccounts` and its port `AccountRepository` (read, scan a segment, count, and the
  versioned save as a `Change` for a `UnitOfWork`);
- the account and its tier rules: `LoyaltyAccount.requalify`, `TierChange`, the `Month` type and helpers;
- the exception it raises when an account keeps changing under it: `ConcurrentUpdate`.

This package holds the accounts, their port and the error; `shop_loyalty.tiers.rules` holds the pure part (the
account, its tier rules and the month type), which batch-worker's domain uses without reaching an adapter or an
AWS SDK.
"""

from __future__ import annotations

from shop_loyalty.adapters.accounts import DynamoDbAccounts
from shop_loyalty.exceptions import ConcurrentUpdate
from shop_loyalty.ports import AccountRepository, Change, UnitOfWork

__all__ = ["AccountRepository", "Change", "ConcurrentUpdate", "DynamoDbAccounts", "UnitOfWork"]
