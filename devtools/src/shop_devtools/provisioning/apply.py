"""Provision the whole topology under one name prefix; running it again changes nothing."""

from __future__ import annotations

from typing import Any

import boto3
from shop_shared.topology import DeployedTopology, Topology

from . import resources
from .report import ProvisioningReport

__all__ = ["provision"]


def provision(
    topology: Topology, prefix: str, service_urls: dict[str, str], session: boto3.Session | None = None
) -> tuple[DeployedTopology, ProvisioningReport]:
    """Apply `topology` with names `<prefix><key>`; `service_urls` maps a service to its base URL
    (the API destination endpoints). Endpoints come from the standard AWS_ENDPOINT_URL* variables."""
    session = session or boto3.Session()
    client = _clients(session)
    report = ProvisioningReport()
    deployed = DeployedTopology(topology, prefix, arns={})

    def record(kind: str, name: str, result: tuple[Any, ...]) -> Any:
        report.record(kind, name, result[-1])
        return result[0] if len(result) == 2 else result[:-1]

    for key, spec in topology.kms_keys.items():
        record("kms_key", key, resources.ensure_kms_key(client["kms"], deployed.kms_alias(key), spec.description))
    for key, spec in topology.secrets.items():
        record("secret", key, resources.ensure_secret(client["secretsmanager"], deployed.name(key), spec.description))
    for key in topology.sns_topics:
        record("sns_topic", key, resources.ensure_topic(client["sns"], deployed.name(key)))
    client["ses"].verify_email_identity(EmailAddress=topology.email_sender)  # idempotent, no state to compare
    for key, table in topology.tables.items():
        record("table", key, resources.ensure_table(client["dynamodb"], deployed.name(key), table))

    bus_arn = record("event_bus", topology.event_bus, resources.ensure_bus(client["events"], deployed.bus_name))
    rule_arn_prefix = bus_arn.replace(":event-bus/", ":rule/", 1)

    queue_arns: dict[str, str] = {}
    for key, queue in topology.queues.items():
        dlq_arn = record("queue", f"{key}-dlq", resources.ensure_dlq(client["sqs"], deployed.dlq_name(key)))
        allowed = [f"{rule_arn_prefix}/{deployed.name(rule)}" for rule in topology.queue_targets(key)]
        _, queue_arns[key] = record(
            "queue", key, resources.ensure_queue(client["sqs"], deployed.name(key), dlq_arn, queue, allowed)
        )

    invoke_role = record(
        "iam_role",
        "api-destination-invoker",
        resources.ensure_role(client["iam"], deployed.name("api-destination-invoker"), "events.amazonaws.com"),
    )
    destination_arns: dict[str, str] = {}
    for key, destination in topology.api_destinations.items():
        connection_arn = record(
            "connection",
            key,
            resources.ensure_connection(
                client["events"],
                client["secretsmanager"],
                deployed.name(key),
                destination.api_key_header,
                deployed.name(destination.api_key_secret),
            ),
        )
        destination_arns[key] = record(
            "api_destination",
            key,
            resources.ensure_api_destination(
                client["events"],
                deployed.name(key),
                connection_arn,
                service_urls[destination.service].rstrip("/") + destination.path,
                destination.http_method,
                destination.invocation_rate_limit_per_second,
            ),
        )

    for key, rule in topology.rules.items():
        if rule.target.queue:
            target: dict[str, Any] = {"Id": "queue", "Arn": queue_arns[rule.target.queue]}
        else:
            assert rule.target.api_destination is not None
            target = {
                "Id": "api-destination",
                "Arn": destination_arns[rule.target.api_destination],
                "RoleArn": invoke_role,
            }
        record(
            "rule",
            key,
            resources.ensure_rule(
                client["events"],
                deployed.bus_name,
                deployed.name(key),
                rule.description,
                rule.event_pattern,
                target,
            ),
        )

    arns: dict[str, str] = {}
    for key in topology.activities:
        arns[f"activity:{key}"] = record("activity", key, resources.ensure_activity(client["sfn"], deployed.name(key)))
    states_role = record(
        "iam_role",
        "state-machine",
        resources.ensure_role(client["iam"], deployed.name("state-machine"), "states.amazonaws.com"),
    )
    for key, machine in topology.state_machines.items():
        definition = topology.state_machine_definition(key, {"activity_arn": arns[f"activity:{machine.activity}"]})
        arns[f"state_machine:{key}"] = record(
            "state_machine",
            key,
            resources.ensure_state_machine(client["sfn"], deployed.name(key), definition, states_role),
        )
    if topology.schedules:
        scheduler_role = record(
            "iam_role",
            "scheduler",
            resources.ensure_role(client["iam"], deployed.name("scheduler"), "scheduler.amazonaws.com"),
        )
        for key, schedule in topology.schedules.items():
            machine_arn = arns[f"state_machine:{schedule.state_machine}"]
            record(
                "schedule",
                key,
                resources.ensure_schedule(
                    client["scheduler"], deployed.name(key), schedule, machine_arn, scheduler_role
                ),
            )
    return DeployedTopology(topology, prefix, arns), report


def _clients(session: boto3.Session) -> dict[str, Any]:
    names = {
        "kms": "kms",
        "secretsmanager": "secretsmanager",
        "sns": "sns",
        "ses": "ses",
        "dynamodb": "dynamodb",
        "events": "events",
        "sqs": "sqs",
        "iam": "iam",
        "sfn": "stepfunctions",
        "scheduler": "scheduler",
    }
    return {alias: session.client(service) for alias, service in names.items()}
