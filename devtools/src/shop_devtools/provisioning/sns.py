"""SNS topics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .common import Provisioned

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient

__all__ = ["ProvisionedTopic", "ensure_topic"]


@dataclass(frozen=True, kw_only=True)
class ProvisionedTopic(Provisioned):
    """An SNS topic."""


def ensure_topic(sns: SNSClient, name: str) -> ProvisionedTopic:
    existing = {topic["TopicArn"].rsplit(":", 1)[1] for topic in sns.list_topics().get("Topics", [])}
    arn = sns.create_topic(Name=name)["TopicArn"]  # CreateTopic is idempotent by name
    return ProvisionedTopic(name=name, arn=arn, outcome="unchanged" if name in existing else "created")
