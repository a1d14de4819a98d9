"""The previous API key's grace period on LocalStack's Secrets Manager: after a real rotation (the devtools
rotation, secret then connection), the key before it passes until the grace measured from the new version's
CreatedDate ends, then it is refused. A clock of our own stands for the passing time, so nothing sleeps."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import aioboto3
import boto3
import pytest
from shop_devtools.rotation import PaymentKeyNames, rotate_payment_api_key
from shop_payment.adapters.api_keys import ApiKeyVerifier, SecretsManagerApiKeySource
from shop_shared.topology import DeployedTopology

pytestmark = pytest.mark.integration

GRACE = timedelta(seconds=60)


class WallClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def test_the_previous_key_passes_during_its_grace_and_is_refused_after(
    deployed_topology: DeployedTopology,
) -> None:
    names = PaymentKeyNames.of(deployed_topology)
    secrets = boto3.client("secretsmanager")
    before = secrets.get_secret_value(SecretId=names.secret_id)
    oldest: str = before["SecretString"]
    clock = WallClock(before["CreatedDate"])

    async with aioboto3.Session().client("secretsmanager") as client:
        # Re-read on every call: each verify below sees the secret as Secrets Manager has it now.
        verifier = ApiKeyVerifier(
            SecretsManagerApiKeySource(client, names.secret_id),
            reread_interval_seconds=0,
            previous_grace=GRACE,
            wall_clock=clock,
        )
        await verifier.load()
        assert await verifier.verify(oldest)

        await asyncio.to_thread(rotate_payment_api_key, names, boto3.Session())
        current = secrets.get_secret_value(SecretId=names.secret_id, VersionStage="AWSCURRENT")
        previous = secrets.get_secret_value(SecretId=names.secret_id, VersionStage="AWSPREVIOUS")
        assert previous["SecretString"] == oldest and current["SecretString"] != oldest
        rotated_at: datetime = current["CreatedDate"]
        newest: str = current["SecretString"]

        clock.now = rotated_at + GRACE - timedelta(seconds=1)
        assert await verifier.verify(newest)
        assert await verifier.verify(oldest), "the previous key, within its grace"

        clock.now = rotated_at + GRACE
        assert not await verifier.verify(oldest), "refused once the grace is over"
        assert await verifier.verify(newest)
        assert not await verifier.verify(oldest + "x")

        # A second rotation: the key of the first is now the previous one, with a grace of its own.
        await asyncio.to_thread(rotate_payment_api_key, names, boto3.Session())
        second = secrets.get_secret_value(SecretId=names.secret_id, VersionStage="AWSCURRENT")
        clock.now = second["CreatedDate"]
        assert await verifier.verify(second["SecretString"])
        assert await verifier.verify(newest)
        assert not await verifier.verify(oldest)
        clock.now = second["CreatedDate"] + GRACE
        assert not await verifier.verify(newest)
