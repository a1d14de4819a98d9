"""The key of the destination digests, from its Secrets Manager secret (read once, when the service starts).

Rotating it starts new counters: for the rest of that hour a destination may get up to twice its cap (tasks
started before and after the rotation count apart), never more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types_aiobotocore_secretsmanager import SecretsManagerClient

__all__ = ["read_destination_key"]


async def read_destination_key(secretsmanager: SecretsManagerClient, secret_id: str) -> bytes:
    return (await secretsmanager.get_secret_value(SecretId=secret_id))["SecretString"].encode()
