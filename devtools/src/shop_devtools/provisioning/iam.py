"""IAM roles that an AWS service assumes (EventBridge, Step Functions, Scheduler)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from .common import Provisioned, error_code

if TYPE_CHECKING:
    from mypy_boto3_iam import IAMClient

__all__ = ["ProvisionedRole", "ensure_role"]


@dataclass(frozen=True, kw_only=True)
class ProvisionedRole(Provisioned):
    """A role trusted by one service principal."""


def ensure_role(iam: IAMClient, name: str, service_principal: str) -> ProvisionedRole:
    try:
        return ProvisionedRole(name=name, arn=iam.get_role(RoleName=name)["Role"]["Arn"], outcome="unchanged")
    except ClientError as error:
        if error_code(error) != "NoSuchEntity":
            raise
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service_principal}, "Action": "sts:AssumeRole"}],
    }
    created = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    return ProvisionedRole(name=name, arn=created["Role"]["Arn"], outcome="created")
