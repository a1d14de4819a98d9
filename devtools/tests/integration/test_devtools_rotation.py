"""Rotation of payment's API key on the emulators: the secret's version stages, the key the EventBridge
connection sends, the CLI, and that no key is ever printed."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import boto3
import pytest
from shop_devtools.rotation import (
    PaymentKeyNames,
    RotationIncomplete,
    push_current_key_to_connection,
    rotate_payment_api_key,
)
from shop_devtools.runtime import LocalAws
from shop_shared.topology import DeployedTopology

pytestmark = pytest.mark.integration


def _stage(names: PaymentKeyNames, stage: str) -> str | None:
    client = boto3.client("secretsmanager")
    try:
        value: str = client.get_secret_value(SecretId=names.secret_id, VersionStage=stage)["SecretString"]
    except client.exceptions.ResourceNotFoundException:
        return None
    return value


def _connection_sends(names: PaymentKeyNames) -> str:
    """The key the connection sends: EventBridge keeps it in a secret of its own (`events!connection/...`)."""
    secret_arn = boto3.client("events").describe_connection(Name=names.connection_name)["SecretArn"]
    stored = json.loads(boto3.client("secretsmanager").get_secret_value(SecretId=secret_arn)["SecretString"])
    assert stored["api_key_name"] == names.api_key_header
    key: str = stored["api_key_value"]
    return key


@pytest.fixture(scope="module")
def names(deployed_topology: DeployedTopology) -> PaymentKeyNames:
    return PaymentKeyNames.of(deployed_topology)


def test_names_come_from_the_topology(deployed_topology: DeployedTopology, names: PaymentKeyNames) -> None:
    assert names == PaymentKeyNames(
        secret_id=f"{deployed_topology.prefix}payment-events-api-key",
        connection_name=f"{deployed_topology.prefix}payment-events",
        api_key_header="x-api-key",
    )


async def test_a_rotation_makes_a_new_current_key_keeps_the_old_as_previous_and_updates_the_connection(
    deployed_topology: DeployedTopology, names: PaymentKeyNames
) -> None:
    original = _stage(names, "AWSCURRENT")
    assert original is not None and _connection_sends(names) == original

    result = await asyncio.to_thread(rotate_payment_api_key, deployed_topology, boto3.Session())

    first = _stage(names, "AWSCURRENT")
    assert first not in (None, original) and _stage(names, "AWSPREVIOUS") == original
    assert _connection_sends(names) == first
    assert result.connection_state == "AUTHORIZED" and result.connection_name == names.connection_name
    assert first not in repr(result) and original not in repr(result)

    await asyncio.to_thread(rotate_payment_api_key, names, boto3.Session())

    second = _stage(names, "AWSCURRENT")
    assert second not in (None, original, first)
    assert _stage(names, "AWSPREVIOUS") == first, "the oldest key is no longer a version payment reads"
    assert _connection_sends(names) == second


async def test_a_failed_connection_update_is_reported_and_can_be_finished(names: PaymentKeyNames) -> None:
    missing = PaymentKeyNames(names.secret_id, names.connection_name + "-missing", names.api_key_header)
    before = _stage(names, "AWSCURRENT")

    with pytest.raises(RotationIncomplete, match="--connection-only") as failure:
        await asyncio.to_thread(rotate_payment_api_key, missing, boto3.Session())

    current = _stage(names, "AWSCURRENT")
    assert current != before and _stage(names, "AWSPREVIOUS") == before
    assert current is not None and current not in str(failure.value)
    assert _connection_sends(names) == before, "still the previous key, which payment accepts"

    result = await asyncio.to_thread(push_current_key_to_connection, names, boto3.Session())

    assert _connection_sends(names) == current and result.connection_state == "AUTHORIZED"


def _cli(local_aws: LocalAws, prefix: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "LOCALSTACK_PORT": str(local_aws.endpoints.localstack_port),
        "DYNAMODB_PORT": str(local_aws.endpoints.dynamodb_port),
    }
    command = [sys.executable, "-m", "shop_devtools", "rotate-payment-key", "--prefix", prefix, *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)


async def test_the_cli_rotates_and_never_prints_a_key(
    local_aws: LocalAws, deployed_topology: DeployedTopology, names: PaymentKeyNames
) -> None:
    before = _stage(names, "AWSCURRENT")

    completed = await asyncio.to_thread(_cli, local_aws, deployed_topology.prefix)

    assert completed.returncode == 0, completed.stderr
    after = _stage(names, "AWSCURRENT")
    assert before is not None and after is not None and after != before
    assert json.loads(completed.stdout)["connection_state"] == "AUTHORIZED"
    for key in (before, after):
        assert key not in completed.stdout and key not in completed.stderr
    assert _connection_sends(names) == after

    again = await asyncio.to_thread(_cli, local_aws, deployed_topology.prefix, "--connection-only")

    assert again.returncode == 0 and _stage(names, "AWSCURRENT") == after, "only the connection, no new key"
    assert after not in again.stdout and after not in again.stderr
