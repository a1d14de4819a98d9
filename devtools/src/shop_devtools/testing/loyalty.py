"""What tests read back from loyalty's tables on the emulators."""

from __future__ import annotations

from shop_shared.aws import from_item, to_item
from shop_shared.topology import DeployedTopology

from .fixtures import AwsClients

__all__ = ["points_balance"]


async def points_balance(aws: AwsClients, deployed: DeployedTopology, customer_id: str) -> int | None:
    """The customer's balance (a consistent read); None while loyalty has no account for them."""
    account = await aws.dynamodb.get_item(
        TableName=deployed.name("loyalty-accounts"), Key=to_item({"customer_id": customer_id}), ConsistentRead=True
    )
    return int(from_item(account["Item"])["points_balance"]) if "Item" in account else None
