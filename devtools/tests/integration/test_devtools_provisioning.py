"""Provisioning applies the topology idempotently and wires what it declares."""

import json
import uuid

import boto3
import pytest
from shop_devtools.provisioning import provision
from shop_devtools.runtime import LocalAws
from shop_shared.topology import DeployedTopology, load_topology

pytestmark = pytest.mark.integration


def test_second_run_changes_nothing(deployed_topology: DeployedTopology, service_ports: dict[str, int]) -> None:
    urls = {name: f"http://127.0.0.1:{port}" for name, port in service_ports.items()}
    again, report = provision(load_topology(), deployed_topology.prefix, urls, session=boto3.Session())
    assert not report.changed, f"created {report.created}, updated {report.updated}"
    assert len(report.unchanged) > 20
    assert again.arns == deployed_topology.arns


def test_a_changed_endpoint_is_updated_in_place(local_aws: LocalAws) -> None:
    prefix = "idem-"
    topology = load_topology()
    provision(topology, prefix, {"payment": "http://127.0.0.1:1111"}, session=boto3.Session())
    _, report = provision(topology, prefix, {"payment": "http://127.0.0.1:2222"}, session=boto3.Session())
    assert report.updated == ["api_destination:payment-events"]
    assert report.created == []


def test_every_queue_has_its_dlq_and_every_rule_its_target(deployed_topology: DeployedTopology) -> None:
    sqs, events = boto3.client("sqs"), boto3.client("events")
    topology = deployed_topology.topology
    for key, queue in topology.queues.items():
        url = sqs.get_queue_url(QueueName=deployed_topology.name(key))["QueueUrl"]
        redrive = json.loads(
            sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"]
        )
        assert redrive["deadLetterTargetArn"].endswith(":" + deployed_topology.dlq_name(key))
        assert int(redrive["maxReceiveCount"]) == queue.max_receive_count
    for key in topology.rules:
        targets = events.list_targets_by_rule(Rule=deployed_topology.name(key), EventBusName=deployed_topology.bus_name)
        assert len(targets["Targets"]) == 1


def test_tables_get_their_declared_indexes_and_ttl(deployed_topology: DeployedTopology) -> None:
    dynamodb = boto3.client("dynamodb")
    for key, table in deployed_topology.topology.tables.items():
        name = deployed_topology.name(key)
        described = dynamodb.describe_table(TableName=name)["Table"]
        assert {i["IndexName"] for i in described.get("GlobalSecondaryIndexes", [])} == set(table.indexes)
        if table.ttl_attribute:
            ttl = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
            assert ttl["TimeToLiveStatus"] == "ENABLED" and ttl["AttributeName"] == table.ttl_attribute


def test_an_index_declared_later_is_added_to_the_existing_table(local_aws: LocalAws) -> None:
    prefix = f"idx{uuid.uuid4().hex[:6]}-"
    topology = load_topology()
    orders = topology.tables["orders"]
    without_index = topology.model_copy(
        update={"tables": {**topology.tables, "orders": orders.model_copy(update={"indexes": {}})}}
    )
    urls = {"payment": "http://127.0.0.1:1111"}
    provision(without_index, prefix, urls, session=boto3.Session())
    _, report = provision(topology, prefix, urls, session=boto3.Session())
    assert report.updated == ["table:orders"]
    described = boto3.client("dynamodb").describe_table(TableName=f"{prefix}orders")["Table"]
    assert [i["IndexName"] for i in described["GlobalSecondaryIndexes"]] == ["by-customer"]


def test_the_monthly_schedule_starts_the_tier_run(deployed_topology: DeployedTopology) -> None:
    scheduler = boto3.client("scheduler")
    schedule = scheduler.get_schedule(Name=deployed_topology.name("loyalty-tiers-monthly"))
    assert schedule["ScheduleExpression"] == "cron(0 3 1 * ? *)"
    assert schedule["ScheduleExpressionTimezone"] == "UTC"
    assert schedule["Target"]["Arn"] == deployed_topology.arns["state_machine:loyalty-tiers"]
    assert schedule["Target"]["RoleArn"].endswith(f"role/{deployed_topology.name('scheduler')}")


def test_a_changed_schedule_is_updated_in_place(local_aws: LocalAws) -> None:
    prefix = f"sch{uuid.uuid4().hex[:6]}-"
    topology = load_topology()
    monthly = topology.schedules["loyalty-tiers-monthly"]
    urls = {"payment": "http://127.0.0.1:1111"}
    provision(topology, prefix, urls, session=boto3.Session())
    weekly = monthly.model_copy(update={"expression": "cron(0 3 ? * MON *)"})
    changed = topology.model_copy(update={"schedules": {"loyalty-tiers-monthly": weekly}})
    _, report = provision(changed, prefix, urls, session=boto3.Session())
    assert report.updated == ["schedule:loyalty-tiers-monthly"]
    stored = boto3.client("scheduler").get_schedule(Name=f"{prefix}loyalty-tiers-monthly")
    assert stored["ScheduleExpression"] == "cron(0 3 ? * MON *)"


def test_the_event_log_is_local_and_can_be_left_out(deployed_topology: DeployedTopology, local_aws: LocalAws) -> None:
    events = boto3.client("events")
    logged = events.describe_rule(Name=deployed_topology.name("event-log"), EventBusName=deployed_topology.bus_name)
    assert json.loads(logged["EventPattern"]) == {"source": [{"prefix": "shop."}]}
    [target] = events.list_targets_by_rule(Rule=logged["Name"], EventBusName=deployed_topology.bus_name)["Targets"]
    assert target["Arn"].endswith(f":log-group:{deployed_topology.name('event-log')}")

    prefix = f"nolog{uuid.uuid4().hex[:6]}-"
    bare, _ = provision(load_topology(), prefix, {"payment": "http://127.0.0.1:1111"}, event_log=False)
    rules = events.list_rules(EventBusName=bare.bus_name)["Rules"]
    assert {rule["Name"] for rule in rules} == {bare.name(key) for key in bare.topology.rules}
