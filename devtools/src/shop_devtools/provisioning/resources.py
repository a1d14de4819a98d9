"""One idempotent `ensure_*` function per kind of resource; each returns (identifier, outcome)."""

from __future__ import annotations

import json
import secrets
from typing import Any

from botocore.exceptions import ClientError
from shop_shared.topology import Index, Queue, Schedule, Table

__all__ = [
    "ensure_activity",
    "ensure_api_destination",
    "ensure_bus",
    "ensure_connection",
    "ensure_dlq",
    "ensure_kms_key",
    "ensure_queue",
    "ensure_role",
    "ensure_rule",
    "ensure_schedule",
    "ensure_secret",
    "ensure_state_machine",
    "ensure_table",
    "ensure_topic",
]

DLQ_RETENTION_SECONDS = 14 * 24 * 3600


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def ensure_kms_key(kms: Any, alias: str, description: str) -> tuple[str, str]:
    try:
        return kms.describe_key(KeyId=alias)["KeyMetadata"]["Arn"], "unchanged"
    except ClientError as error:
        if _code(error) != "NotFoundException":
            raise
    key = kms.create_key(Description=description, KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]
    kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
    return key["Arn"], "created"


def ensure_secret(secretsmanager: Any, name: str, description: str) -> tuple[str, str]:
    """A random API key, generated here once and never printed; services read it at run time."""
    try:
        return secretsmanager.describe_secret(SecretId=name)["ARN"], "unchanged"
    except ClientError as error:
        if _code(error) != "ResourceNotFoundException":
            raise
    created = secretsmanager.create_secret(Name=name, Description=description, SecretString=secrets.token_urlsafe(32))
    return created["ARN"], "created"


def ensure_topic(sns: Any, name: str) -> tuple[str, str]:
    existing = {topic["TopicArn"].rsplit(":", 1)[1] for topic in sns.list_topics().get("Topics", [])}
    arn = sns.create_topic(Name=name)["TopicArn"]  # CreateTopic is idempotent by name
    return arn, "unchanged" if name in existing else "created"


def ensure_table(dynamodb: Any, name: str, table: Table) -> tuple[str, str]:
    """The table with its keys and indexes, and its TTL when declared; indexes added later are created."""
    try:
        description = dynamodb.describe_table(TableName=name)["Table"]
        outcome = "unchanged"
    except ClientError as error:
        if _code(error) != "ResourceNotFoundException":
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
            outcome = "updated" if outcome == "unchanged" else outcome
    if table.ttl_attribute:
        ttl = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if (
            ttl.get("TimeToLiveStatus") not in {"ENABLED", "ENABLING"}
            or ttl.get("AttributeName") != table.ttl_attribute
        ):
            dynamodb.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute}
            )
            outcome = "updated" if outcome == "unchanged" else outcome
    return description["TableArn"], outcome


def _create_table(dynamodb: Any, name: str, table: Table) -> dict[str, Any]:
    keys = [table.hash_key, table.range_key]
    index_keys = [key for index in table.indexes.values() for key in (index.hash_key, index.range_key)]
    arguments: dict[str, Any] = {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": _key_schema(table.hash_key, table.range_key),
        "AttributeDefinitions": _attribute_definitions(keys + index_keys),
    }
    if table.indexes:
        arguments["GlobalSecondaryIndexes"] = [_index(name, index) for name, index in table.indexes.items()]
    description: dict[str, Any] = dynamodb.create_table(**arguments)["TableDescription"]
    return description


def _key_schema(hash_key: str, range_key: str | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        schema.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return schema


def _attribute_definitions(keys: list[str | None]) -> list[dict[str, str]]:
    return [{"AttributeName": key, "AttributeType": "S"} for key in dict.fromkeys(k for k in keys if k)]


def _index(name: str, index: Index) -> dict[str, Any]:
    return {
        "IndexName": name,
        "KeySchema": _key_schema(index.hash_key, index.range_key),
        "Projection": {"ProjectionType": "ALL"},
    }


def ensure_bus(events: Any, name: str) -> tuple[str, str]:
    try:
        return events.describe_event_bus(Name=name)["Arn"], "unchanged"
    except ClientError as error:
        if _code(error) != "ResourceNotFoundException":
            raise
    return events.create_event_bus(Name=name)["EventBusArn"], "created"


def _queue_url(sqs: Any, name: str) -> str | None:
    try:
        url: str = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        return url
    except ClientError as error:
        if _code(error) not in {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"}:
            raise
        return None


def _reconcile_queue(sqs: Any, name: str, attributes: dict[str, str]) -> tuple[str, str, str]:
    """Create the queue or bring its attributes in line; returns (url, arn, outcome)."""
    url = _queue_url(sqs, name)
    if url is None:
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        outcome = "created"
    else:
        current = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        drift = {key: value for key, value in attributes.items() if current.get(key) != value}
        if drift:
            sqs.set_queue_attributes(QueueUrl=url, Attributes=drift)
        outcome = "updated" if drift else "unchanged"
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn, outcome


def ensure_dlq(sqs: Any, name: str) -> tuple[str, str]:
    _, arn, outcome = _reconcile_queue(sqs, name, {"MessageRetentionPeriod": str(DLQ_RETENTION_SECONDS)})
    return arn, outcome


def ensure_queue(sqs: Any, name: str, dlq_arn: str, queue: Queue, allowed_rule_arns: list[str]) -> tuple[str, str, str]:
    """The queue with its redrive to `dlq_arn` and a policy that lets only its own rules send to it."""
    queue_arn = f"{dlq_arn.rsplit(':', 1)[0]}:{name}"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowOwnRules",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": sorted(allowed_rule_arns)}},
            }
        ],
    }
    attributes = {
        "VisibilityTimeout": str(queue.visibility_timeout_seconds),
        "RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": queue.max_receive_count}, sort_keys=True
        ),
        "Policy": json.dumps(policy, sort_keys=True),
    }
    return _reconcile_queue(sqs, name, attributes)


def ensure_role(iam: Any, name: str, service_principal: str) -> tuple[str, str]:
    try:
        return iam.get_role(RoleName=name)["Role"]["Arn"], "unchanged"
    except ClientError as error:
        if _code(error) != "NoSuchEntity":
            raise
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service_principal}, "Action": "sts:AssumeRole"}],
    }
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"], "created"


def ensure_connection(events: Any, secretsmanager: Any, name: str, header: str, secret_name: str) -> tuple[str, str]:
    """Created once from the key in our secret; a later key rotation updates the connection explicitly."""
    try:
        return events.describe_connection(Name=name)["ConnectionArn"], "unchanged"
    except ClientError as error:
        if _code(error) != "ResourceNotFoundException":
            raise
    api_key = secretsmanager.get_secret_value(SecretId=secret_name)["SecretString"]
    created = events.create_connection(
        Name=name,
        AuthorizationType="API_KEY",
        AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": header, "ApiKeyValue": api_key}},
    )
    return created["ConnectionArn"], "created"


def ensure_api_destination(
    events: Any, name: str, connection_arn: str, endpoint: str, method: str, rate_limit: int
) -> tuple[str, str]:
    wanted = {
        "ConnectionArn": connection_arn,
        "InvocationEndpoint": endpoint,
        "HttpMethod": method,
        "InvocationRateLimitPerSecond": rate_limit,
    }
    try:
        current = events.describe_api_destination(Name=name)
    except ClientError as error:
        if _code(error) != "ResourceNotFoundException":
            raise
        return events.create_api_destination(Name=name, **wanted)["ApiDestinationArn"], "created"
    if all(current.get(key) == value for key, value in wanted.items()):
        return current["ApiDestinationArn"], "unchanged"
    return events.update_api_destination(Name=name, **wanted)["ApiDestinationArn"], "updated"


def ensure_rule(
    events: Any, bus: str, name: str, description: str, pattern: dict[str, Any], target: dict[str, Any]
) -> tuple[str, str]:
    pattern_json = json.dumps(pattern, sort_keys=True)
    try:
        current = events.describe_rule(Name=name, EventBusName=bus)
        targets = events.list_targets_by_rule(Rule=name, EventBusName=bus)["Targets"]
        rule_same = (
            json.loads(current.get("EventPattern", "{}")) == pattern
            and current.get("Description") == description
            and current.get("State") == "ENABLED"
        )
        outcome = "unchanged" if rule_same and _targets_equal(targets, [target]) else "updated"
    except ClientError as error:
        if _code(error) != "ResourceNotFoundException":
            raise
        outcome = "created"
    if outcome == "unchanged":
        return current["Arn"], outcome
    arn = events.put_rule(
        Name=name, EventBusName=bus, EventPattern=pattern_json, Description=description, State="ENABLED"
    )["RuleArn"]
    events.put_targets(Rule=name, EventBusName=bus, Targets=[target])
    return arn, outcome


def _targets_equal(current: list[dict[str, Any]], wanted: list[dict[str, Any]]) -> bool:
    def key(target: dict[str, Any]) -> str:
        return json.dumps({k: target.get(k) for k in ("Id", "Arn", "RoleArn", "HttpParameters")}, sort_keys=True)

    return sorted(map(key, current)) == sorted(map(key, wanted))


def ensure_activity(sfn: Any, name: str) -> tuple[str, str]:
    existing = {activity["name"] for activity in sfn.list_activities()["activities"]}
    arn = sfn.create_activity(name=name)["activityArn"]  # CreateActivity is idempotent by name
    return arn, "unchanged" if name in existing else "created"


def ensure_state_machine(sfn: Any, name: str, definition: dict[str, Any], role_arn: str) -> tuple[str, str]:
    machines = {machine["name"]: machine["stateMachineArn"] for machine in sfn.list_state_machines()["stateMachines"]}
    if name not in machines:
        created = sfn.create_state_machine(
            name=name, definition=json.dumps(definition), roleArn=role_arn, type="STANDARD"
        )
        return created["stateMachineArn"], "created"
    arn = machines[name]
    current = json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"])
    if current == definition:
        return arn, "unchanged"
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(definition), roleArn=role_arn)
    return arn, "updated"


def ensure_schedule(scheduler: Any, name: str, schedule: Schedule, target_arn: str, role_arn: str) -> tuple[str, str]:
    """An EventBridge Scheduler schedule that starts the state machine (LocalStack keeps it but never fires it)."""
    wanted = {
        "ScheduleExpression": schedule.expression,
        "ScheduleExpressionTimezone": schedule.timezone,
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {"Arn": target_arn, "RoleArn": role_arn, "Input": json.dumps(schedule.input)},
        "Description": schedule.description,
        "State": "ENABLED",
    }
    try:
        current = scheduler.get_schedule(Name=name)
    except ClientError as error:
        if _code(error) != "ResourceNotFoundException":
            raise
        return scheduler.create_schedule(Name=name, **wanted)["ScheduleArn"], "created"
    if (
        all(current.get(key) == value for key, value in wanted.items() if key != "Target")
        and {key: current["Target"].get(key) for key in wanted["Target"]} == wanted["Target"]
    ):
        return current["Arn"], "unchanged"
    return scheduler.update_schedule(Name=name, **wanted)["ScheduleArn"], "updated"
