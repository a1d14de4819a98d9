"""The generated catalog: valid AsyncAPI 3.0.0 (the official JSON Schema), every event with its producer and
consumers from the topology, references that resolve, payloads that accept real envelopes, deterministic output."""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
from functools import cache
from typing import Any

import jsonschema_rs
import pytest
import yaml
from shop_devtools.catalog import PRODUCERS, CatalogError, generate
from shop_devtools.catalog.cli import ASYNCAPI_PATH, EVENTS_PATH
from shop_devtools.testing.asyncapi_spec import official_asyncapi_schema
from shop_devtools.testing.events import order_created_envelope, payment_failed_event
from shop_shared.contracts import EVENT_MODELS, LoyaltyTierChanged, new_envelope
from shop_shared.topology import load_topology


@cache
def document() -> dict[str, Any]:
    """The document as a reader of docs/asyncapi.yaml gets it: parsed from the YAML text."""
    loaded: dict[str, Any] = yaml.safe_load(generate().files[ASYNCAPI_PATH])
    return loaded


@cache
def asyncapi_validator() -> Any:
    return jsonschema_rs.validator_for(official_asyncapi_schema())


def test_the_document_is_valid_asyncapi_3_by_the_official_json_schema() -> None:
    errors = [
        f"{list(error.instance_path)}: {error.message[:200]}" for error in asyncapi_validator().iter_errors(document())
    ]

    assert document()["asyncapi"] == "3.0.0"
    assert errors == []


def test_the_official_schema_refuses_a_broken_document() -> None:
    broken = copy.deepcopy(document())
    # AsyncAPI 2's verbs are gone in 3: an operation either sends or receives.
    next(iter(broken["operations"].values()))["action"] = "publish"

    assert list(asyncapi_validator().iter_errors(broken))


def expected_consumers(event_type: str, source: str) -> set[str]:
    """Computed here from the topology, apart from the generator: the targets of every rule matching the event."""
    topology = load_topology()
    consumers = set()
    for rule in topology.rules.values():
        if source in rule.event_pattern["source"] and event_type in rule.event_pattern["detail-type"]:
            if rule.target.queue:
                consumers.add(topology.queues[rule.target.queue].consumer)
            else:
                consumers.add(topology.api_destinations[str(rule.target.api_destination)].service)
    return consumers


@pytest.mark.parametrize(("event_type", "version"), sorted(EVENT_MODELS))
def test_every_registered_event_is_a_message_with_its_producer_and_consumers(event_type: str, version: int) -> None:
    model = EVENT_MODELS[(event_type, version)]
    message = document()["components"]["messages"][f"{event_type}.v{version}"]

    assert (message["x-event-type"], message["x-event-version"], message["x-source"]) == (
        event_type,
        version,
        model.source,
    )
    assert message["x-producer"] == PRODUCERS[model.source]
    assert set(message["x-consumers"]) == expected_consumers(event_type, model.source)
    assert message["payload"]["required"] == ["metadata", "data"]
    data = resolve(message["payload"]["properties"]["data"])
    assert list(data["properties"]) == list(model.model_fields)


def test_the_routes_are_the_ones_the_topology_declares() -> None:
    messages = document()["components"]["messages"]
    routes = {name: (m["x-producer"], m["x-consumers"]) for name, m in messages.items()}

    assert routes == {
        "order.created.v1": ("order", ["loyalty", "notifications", "payment"]),
        "payment.succeeded.v1": ("payment", ["order"]),
        "payment.failed.v1": ("payment", ["loyalty", "notifications", "order"]),
        "payment.refunded.v1": ("payment", []),
        "loyalty.tier_changed.v1": ("batch-worker", ["notifications"]),
    }


def test_every_producer_is_a_service_that_the_topology_gives_the_bus() -> None:
    services = load_topology().services

    for producer in PRODUCERS.values():
        assert "bus" in services[producer].values(), f"{producer} publishes events but is given no bus"


def test_channels_are_the_bus_each_rule_each_queue_and_the_api_destination() -> None:
    topology = load_topology()
    channels = document()["channels"]

    assert set(channels) == (
        {"bus"}
        | {f"rule-{name}" for name in topology.rules}
        | {f"queue-{name}" for name in topology.queues}
        | {f"api-destination-{name}" for name in topology.api_destinations}
    )
    for name, rule in topology.rules.items():
        assert channels[f"rule-{name}"]["address"] == name
        assert channels[f"rule-{name}"]["x-event-pattern"] == rule.event_pattern
    assert channels["api-destination-payment-events"]["address"] == "/events"
    assert set(channels["queue-notifications-events"]["messages"]) == {
        "order.created.v1",
        "payment.failed.v1",
        "loyalty.tier_changed.v1",
    }


def test_each_event_is_sent_once_by_its_producer_and_received_where_the_rules_deliver_it() -> None:
    operations = document()["operations"].values()
    for name, message in document()["components"]["messages"].items():
        senders = [op["x-producer"] for op in operations if op["action"] == "send" and _names(op) == [name]]
        receivers = {op["x-consumer"] for op in operations if op["action"] == "receive" and name in _names(op)}

        assert senders == [message["x-producer"]]
        assert receivers == set(message["x-consumers"])


def test_every_reference_resolves_and_operations_use_only_their_channels_messages() -> None:
    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            return ([node["$ref"]] if "$ref" in node else []) + [r for value in node.values() for r in refs(value)]
        return [r for value in node for r in refs(value)] if isinstance(node, list) else []

    for ref in refs(document()):
        assert resolve({"$ref": ref}) is not None, ref
    for name, operation in document()["operations"].items():
        channel = operation["channel"]["$ref"]
        for message in operation["messages"]:
            assert message["$ref"].startswith(f"{channel}/messages/"), name


@pytest.mark.parametrize(
    "envelope",
    [
        pytest.param(order_created_envelope("c-1", "12.50"), id="order.created"),
        pytest.param(payment_failed_event(), id="payment.failed"),
        pytest.param(
            new_envelope(
                LoyaltyTierChanged(
                    customer_id="c-1", previous_tier="SILVER", new_tier="GOLD", qualifying_points=1200, as_of="2026-11"
                ),
                correlation_id="run-1",
                traceparent="00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            ),
            id="loyalty.tier_changed",
        ),
    ],
)
def test_a_real_envelope_is_valid_against_its_message_and_a_damaged_one_is_not(envelope: Any) -> None:
    detail = envelope.to_detail()
    name = f"{detail['metadata']['event_type']}.v{detail['metadata']['event_version']}"
    schema = {"$ref": f"#/components/messages/{name}/payload", "components": document()["components"]}

    assert jsonschema_rs.validator_for(schema).is_valid(detail)
    damaged = copy.deepcopy(detail)
    del damaged["data"]["customer_id"]
    assert not jsonschema_rs.validator_for(schema).is_valid(damaged)


def test_the_rendering_has_a_section_with_every_field_of_every_event() -> None:
    events = generate().files[EVENTS_PATH]

    for (event_type, version), model in EVENT_MODELS.items():
        section = events.split(f"\n## {event_type} v{version}\n", 1)[1].split("\n## ", 1)[0]
        assert f"**{PRODUCERS[model.source]}**" in section
        for field in model.model_fields:
            assert f"| `{field}` |" in section, (event_type, field)
    for field in ("event_id", "correlation_id", "traceparent"):
        assert f"| `{field}` |" in events


def test_output_is_the_same_whatever_the_hash_seed() -> None:
    script = (
        "from shop_devtools.catalog import generate; import sys; sys.stdout.write(''.join(generate().files.values()))"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }

    assert outputs == {"".join(generate().files.values())}


def test_a_rule_routing_an_event_no_contract_describes_is_an_error() -> None:
    topology = load_topology()
    rule = topology.rules["order-created-to-loyalty"]
    typo = rule.model_copy(update={"event_pattern": {"source": ["shop.order"], "detail-type": ["order.craeted"]}})
    broken = topology.model_copy(update={"rules": {**topology.rules, "typo": typo}})

    with pytest.raises(CatalogError, match=re.escape("rule typo routes order.craeted")):
        generate(topology=broken)


def test_an_event_whose_source_has_no_producer_is_an_error() -> None:
    class Stray(LoyaltyTierChanged):
        event_type = "loyalty.stray"
        source = "shop.nowhere"

    with pytest.raises(CatalogError, match=re.escape("no producing service is known for source 'shop.nowhere'")):
        generate({**EVENT_MODELS, ("loyalty.stray", 1): Stray})


def resolve(schema: dict[str, Any]) -> Any:
    node: Any = document()
    for part in schema["$ref"].removeprefix("#/").split("/") if "$ref" in schema else []:
        node = node[part]
    return node if "$ref" in schema else schema


def _names(operation: dict[str, Any]) -> list[str]:
    return [ref["$ref"].rsplit("/", 1)[-1] for ref in operation["messages"]]
