"""KMS keys, found and named by their alias."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from .common import Provisioned, error_code

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

__all__ = ["ProvisionedKmsKey", "ensure_kms_key"]


@dataclass(frozen=True, kw_only=True)
class ProvisionedKmsKey(Provisioned):
    """A symmetric encryption key; `name` is its alias."""


def ensure_kms_key(kms: KMSClient, alias: str, description: str) -> ProvisionedKmsKey:
    try:
        arn = kms.describe_key(KeyId=alias)["KeyMetadata"]["Arn"]
        return ProvisionedKmsKey(name=alias, arn=arn, outcome="unchanged")
    except ClientError as error:
        if error_code(error) != "NotFoundException":
            raise
    key = kms.create_key(Description=description, KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]
    kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
    return ProvisionedKmsKey(name=alias, arn=key["Arn"], outcome="created")
