"""The topology declaration: internally consistent, and the ASL template renders the way Terraform's would."""

import json

import pytest
import yaml
from pydantic import ValidationError
from shop_shared.contracts import EVENT_MODELS
from shop_shared.topology import DeployedTopology, Topology, load_topology


@pytest.fixture(scope="module")
def topology() -> Topology:
    return load_topology()


def test_every_queue_is_fed_by_a_rule_and_consumed_by_a_service(topology: Topology) -> None:
    for key, queue in topology.queues.items():
        assert topology.queue_targets(key), f"no rule delivers into {key}"
        assert queue.consumer in topology.services


def test_rules_only_match_event_types_that_have_a_contract(topology: Topology) -> None:
    known = {(model.source, event_type) for (event_type, _), model in EVENT_MODELS.items()}
    for name, rule in topology.rules.items():
        for source in rule.event_pattern["source"]:
            for detail_type in rule.event_pattern["detail-type"]:
                assert (source, detail_type) in known, f"rule {name} matches {source}/{detail_type}: no contract"


def test_service_environment_resolves_every_reference(topology: Topology) -> None:
    arns = {f"activity:{k}": f"arn:activity:{k}" for k in topology.activities}
    arns |= {f"state_machine:{k}": f"arn:sm:{k}" for k in topology.state_machines}
    deployed = DeployedTopology(topology, "x-", arns)
    env = deployed.service_environment("order")
    assert env["ORDER_ORDERS_TABLE"] == "x-orders"
    assert env["ORDER_CONTACT_KEY_ID"] == "alias/x-customer-contact"
    assert deployed.service_environment("batch-worker")["BATCH_ACTIVITY_ARN"] == "arn:activity:loyalty-tier-tasks"
    for service in topology.services:
        assert all(deployed.service_environment(service).values())


def test_a_reference_to_an_unknown_resource_is_refused(topology: Topology) -> None:
    raw = yaml.safe_load(yaml.safe_dump(topology.model_dump()))
    raw["services"]["order"]["ORDER_ORDERS_TABLE"] = "table:nope"
    with pytest.raises(ValidationError, match="unknown table:nope"):
        Topology.model_validate(raw)
    raw = yaml.safe_load(yaml.safe_dump(topology.model_dump()))
    raw["rules"]["order-created-to-loyalty"]["target"] = {"queue": "missing"}
    with pytest.raises(ValidationError, match="unknown queue missing"):
        Topology.model_validate(raw)


def test_state_machine_template_keeps_jsonpath_and_fills_every_placeholder(topology: Topology) -> None:
    definition = topology.state_machine_definition("loyalty-tiers", {"activity_arn": "arn:aws:states:::activity:a"})
    text = json.dumps(definition)
    assert "${" not in text
    assert "$$.Execution.StartTime" in text and "$$.Map.Item.Value.segment" in text
    chunk = definition["States"]["RecomputeChunks"]["ItemProcessor"]["States"]["RecomputeChunk"]
    assert chunk["Resource"] == "arn:aws:states:::activity:a"
    assert chunk["HeartbeatSeconds"] == topology.state_machines["loyalty-tiers"].parameters["chunk_heartbeat_seconds"]
    assert chunk["Catch"][0]["ErrorEquals"] == ["States.ALL"]
    # The whole run is bounded too, so a stuck run ends TIMED_OUT (and alarms) instead of waiting for workers.
    assert definition["TimeoutSeconds"] == topology.state_machines["loyalty-tiers"].parameters["run_timeout_seconds"]


def test_template_refuses_a_missing_value(topology: Topology) -> None:
    with pytest.raises(KeyError, match="activity_arn"):
        topology.state_machine_definition("loyalty-tiers", {})


def test_a_schedule_must_start_a_declared_state_machine() -> None:
    topology = load_topology()
    schedule = topology.schedules["loyalty-tiers-monthly"].model_copy(update={"state_machine": "nowhere"})
    with pytest.raises(ValueError, match="unknown state machine nowhere"):
        Topology.model_validate(topology.model_dump() | {"schedules": {"broken": schedule.model_dump()}})


def test_state_machine_parameters_can_be_changed_for_one_copy() -> None:
    topology = load_topology()
    short = topology.with_state_machine_parameters("loyalty-tiers", chunk_heartbeat_seconds=5)
    assert short.state_machines["loyalty-tiers"].parameters["chunk_heartbeat_seconds"] == 5
    assert topology.state_machines["loyalty-tiers"].parameters["chunk_heartbeat_seconds"] == 60
    with pytest.raises(KeyError):
        topology.with_state_machine_parameters("loyalty-tiers", no_such_parameter=1)
