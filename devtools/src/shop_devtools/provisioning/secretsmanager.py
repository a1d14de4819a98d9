"""Secrets Manager secrets holding generated API keys."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from .common import Provisioned, error_code

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

__all__ = ["ProvisionedSecret", "ensure_secret"]


@dataclass(frozen=True, kw_only=True)
class ProvisionedSecret(Provisioned):
    """A secret holding a random API key."""


def ensure_secret(secretsmanager: SecretsManagerClient, name: str, description: str) -> ProvisionedSecret:
    """A random API key, generated here once and never printed; services read it at run time."""
    try:
        arn = secretsmanager.describe_secret(SecretId=name)["ARN"]
        return ProvisionedSecret(name=name, arn=arn, outcome="unchanged")
    except ClientError as error:
        if error_code(error) != "ResourceNotFoundException":
            raise
    created = secretsmanager.create_secret(Name=name, Description=description, SecretString=secrets.token_urlsafe(32))
    return ProvisionedSecret(name=name, arn=created["ARN"], outcome="created")
