"""Provision the whole topology under one name prefix; running it again changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import boto3
from shop_shared.topology import DeployedTopology, Topology

from .common import Provisioned
from .dynamodb import ensure_table
from .events import ensure_api_destination, ensure_bus, ensure_connection, ensure_rule
from .iam import ensure_role
from .kms import ensure_kms_key
from .logs import EVENT_LOG, ensure_event_log
from .report import ProvisioningReport
from .scheduler import ensure_schedule
from .secretsmanager import ensure_secret
from .sns import ensure_topic
from .sqs import ensure_dlq, ensure_queue
from .stepfunctions import ensure_activity, ensure_state_machine

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_events.type_defs import TargetTypeDef
    from mypy_boto3_iam import IAMClient
    from mypy_boto3_kms import KMSClient
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_scheduler import EventBridgeSchedulerClient
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_ses import SESClient
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_stepfunctions import SFNClient

__all__ = ["ProvisioningClients", "provision"]


@dataclass(frozen=True)
class ProvisioningClients:
    """One client per AWS service the topology uses, all from one session."""

    kms: KMSClient
    secretsmanager: SecretsManagerClient
    sns: SNSClient
    ses: SESClient
    dynamodb: DynamoDBClient
    events: EventBridgeClient
    sqs: SQSClient
    iam: IAMClient
    sfn: SFNClient
    scheduler: EventBridgeSchedulerClient
    logs: CloudWatchLogsClient

    @classmethod
    def of(cls, session: boto3.Session) -> ProvisioningClients:
        return cls(
            kms=session.client("kms"),
            secretsmanager=session.client("secretsmanager"),
            sns=session.client("sns"),
            ses=session.client("ses"),
            dynamodb=session.client("dynamodb"),
            events=session.client("events"),
            sqs=session.client("sqs"),
            iam=session.client("iam"),
            sfn=session.client("stepfunctions"),
            scheduler=session.client("scheduler"),
            logs=session.client("logs"),
        )


def provision(
    topology: Topology,
    prefix: str,
    service_urls: dict[str, str],
    session: boto3.Session | None = None,
    *,
    event_log: bool = True,
) -> tuple[DeployedTopology, ProvisioningReport]:
    """Apply `topology` with names `<prefix><key>`; `service_urls` maps a service to its base URL
    (the API destination endpoints). Endpoints come from the standard AWS_ENDPOINT_URL* variables.

    `event_log=False` leaves out the local runtime's event log: it about doubles LocalStack's CPU per published
    event, so the benchmarks and the soak, which measure the system as it runs on AWS, go without it."""
    client = ProvisioningClients.of(session or boto3.Session())
    report = ProvisioningReport()
    deployed = DeployedTopology(topology, prefix, arns={})

    def record[R: Provisioned](kind: str, key: str, result: R) -> R:
        report.record(kind, key, result.outcome)
        return result

    for key, spec in topology.kms_keys.items():
        record("kms_key", key, ensure_kms_key(client.kms, deployed.kms_alias(key), spec.description))
    for key, spec in topology.secrets.items():
        record("secret", key, ensure_secret(client.secretsmanager, deployed.name(key), spec.description))
    for key in topology.sns_topics:
        record("sns_topic", key, ensure_topic(client.sns, deployed.name(key)))
    client.ses.verify_email_identity(EmailAddress=topology.email_sender)  # idempotent, no state to compare
    for key, table in topology.tables.items():
        record("table", key, ensure_table(client.dynamodb, deployed.name(key), table))

    bus = record("event_bus", topology.event_bus, ensure_bus(client.events, deployed.bus_name))
    rule_arn_prefix = bus.arn.replace(":event-bus/", ":rule/", 1)

    queue_arns: dict[str, str] = {}
    for key, queue in topology.queues.items():
        dlq = record("queue", f"{key}-dlq", ensure_dlq(client.sqs, deployed.dlq_name(key)))
        allowed = [f"{rule_arn_prefix}/{deployed.name(rule)}" for rule in topology.queue_targets(key)]
        queue_arns[key] = record(
            "queue", key, ensure_queue(client.sqs, deployed.name(key), dlq.arn, queue, allowed)
        ).arn

    invoker = record(
        "iam_role",
        "api-destination-invoker",
        ensure_role(client.iam, deployed.name("api-destination-invoker"), "events.amazonaws.com"),
    )
    destination_arns: dict[str, str] = {}
    for key, destination in topology.api_destinations.items():
        connection = record(
            "connection",
            key,
            ensure_connection(
                client.events,
                client.secretsmanager,
                deployed.name(key),
                destination.api_key_header,
                deployed.name(destination.api_key_secret),
            ),
        )
        destination_arns[key] = record(
            "api_destination",
            key,
            ensure_api_destination(
                client.events,
                deployed.name(key),
                connection.arn,
                service_urls[destination.service].rstrip("/") + destination.path,
                destination.http_method,
                destination.invocation_rate_limit_per_second,
            ),
        ).arn

    for key, rule in topology.rules.items():
        target: TargetTypeDef
        if rule.target.queue:
            target = {"Id": "queue", "Arn": queue_arns[rule.target.queue]}
        else:
            assert rule.target.api_destination is not None
            destination_arn = destination_arns[rule.target.api_destination]
            target = {"Id": "api-destination", "Arn": destination_arn, "RoleArn": invoker.arn}
        record(
            "rule",
            key,
            ensure_rule(
                client.events, deployed.bus_name, deployed.name(key), rule.description, rule.event_pattern, target
            ),
        )

    # Local only, not in the topology: on AWS the bus's archive is the replay source (see provisioning/logs.py).
    if event_log:
        record(
            "event_log",
            EVENT_LOG,
            ensure_event_log(client.events, client.logs, deployed.bus_name, deployed.name(EVENT_LOG)),
        )

    arns: dict[str, str] = {}
    for key in topology.activities:
        arns[f"activity:{key}"] = record("activity", key, ensure_activity(client.sfn, deployed.name(key))).arn
    states_role = record(
        "iam_role", "state-machine", ensure_role(client.iam, deployed.name("state-machine"), "states.amazonaws.com")
    )
    for key, machine in topology.state_machines.items():
        definition = topology.state_machine_definition(key, {"activity_arn": arns[f"activity:{machine.activity}"]})
        arns[f"state_machine:{key}"] = record(
            "state_machine", key, ensure_state_machine(client.sfn, deployed.name(key), definition, states_role.arn)
        ).arn
    if topology.schedules:
        scheduler_role = record(
            "iam_role", "scheduler", ensure_role(client.iam, deployed.name("scheduler"), "scheduler.amazonaws.com")
        )
        for key, schedule in topology.schedules.items():
            machine_arn = arns[f"state_machine:{schedule.state_machine}"]
            record(
                "schedule",
                key,
                ensure_schedule(client.scheduler, deployed.name(key), schedule, machine_arn, scheduler_role.arn),
            )
    return DeployedTopology(topology, prefix, arns), report
