"""DynamoDB tables with their global secondary indexes and TTL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError
from shop_shared.topology import Index, Table

from .common import Outcome, Provisioned, at_least_updated, error_code

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        AttributeDefinitionTypeDef,
        CreateTableInputTypeDef,
        GlobalSecondaryIndexTypeDef,
        KeySchemaElementTypeDef,
        TableDescriptionTypeDef,
    )

__all__ = ["ProvisionedTable", "ensure_table"]


@dataclass(frozen=True, kw_only=True)
class ProvisionedTable(Provisioned):
    """An on-demand table whose keys are strings."""


def ensure_table(dynamodb: DynamoDBClient, name: str, table: Table) -> ProvisionedTable:
    """The table with its keys and indexes, and its TTL when declared; indexes added later are created."""
    outcome: Outcome
    try:
        description = dynamodb.describe_table(TableName=name)["Table"]
        outcome = "unchanged"
    except ClientError as error:
        if error_code(error) != "ResourceNotFoundException":
            raise
        description = _create_table(dynamodb, name, table)
        outcome = "created"
    existing_indexes = {index["IndexName"] for index in description.get("GlobalSecondaryIndexes", [])}
    for index_name, index in table.indexes.items():
        if index_name not in existing_indexes:
            dynamodb.update_table(
                TableName=name,
                AttributeDefinitions=_attribute_definitions([index.hash_key, index.range_key]),
                GlobalSecondaryIndexUpdates=[{"Create": _index(index_name, index)}],
            )
            outcome = at_least_updated(outcome)
    if table.ttl_attribute:
        ttl = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if (
            ttl.get("TimeToLiveStatus") not in {"ENABLED", "ENABLING"}
            or ttl.get("AttributeName") != table.ttl_attribute
        ):
            dynamodb.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute}
            )
            outcome = at_least_updated(outcome)
    return ProvisionedTable(name=name, arn=description["TableArn"], outcome=outcome)


def _create_table(dynamodb: DynamoDBClient, name: str, table: Table) -> TableDescriptionTypeDef:
    keys = [table.hash_key, table.range_key]
    index_keys = [key for index in table.indexes.values() for key in (index.hash_key, index.range_key)]
    request: CreateTableInputTypeDef = {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": _key_schema(table.hash_key, table.range_key),
        "AttributeDefinitions": _attribute_definitions(keys + index_keys),
    }
    if table.indexes:
        request["GlobalSecondaryIndexes"] = [_index(index_name, index) for index_name, index in table.indexes.items()]
    return dynamodb.create_table(**request)["TableDescription"]


def _key_schema(hash_key: str, range_key: str | None) -> list[KeySchemaElementTypeDef]:
    schema: list[KeySchemaElementTypeDef] = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        schema.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return schema


def _attribute_definitions(keys: list[str | None]) -> list[AttributeDefinitionTypeDef]:
    return [{"AttributeName": key, "AttributeType": "S"} for key in dict.fromkeys(k for k in keys if k)]


def _index(name: str, index: Index) -> GlobalSecondaryIndexTypeDef:
    return {
        "IndexName": name,
        "KeySchema": _key_schema(index.hash_key, index.range_key),
        "Projection": {"ProjectionType": "ALL"},
    }
