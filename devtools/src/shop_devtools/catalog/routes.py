"""Who publishes each event and who receives it: the contracts (`EVENT_MODELS`) joined with the topology's rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shop_shared.contracts import LOYALTY_SOURCE, ORDER_SOURCE, PAYMENT_SOURCE, IntegrationEvent
from shop_shared.topology import Rule, Topology

__all__ = ["PRODUCERS", "CatalogError", "CatalogEvent", "Delivery", "catalog_events"]

# The deployable that publishes each EventBridge `source`. The loyalty context publishes from its tier run
# (batch-worker); the loyalty service itself only consumes.
PRODUCERS: Mapping[str, str] = {ORDER_SOURCE: "order", PAYMENT_SOURCE: "payment", LOYALTY_SOURCE: "batch-worker"}


class CatalogError(Exception):
    """The contracts and the topology disagree, or a baseline cannot be read: no truthful catalog can be made."""


@dataclass(frozen=True)
class Delivery:
    """One rule's delivery of an event to a consumer, through a queue or an API destination."""

    rule: str
    consumer: str
    queue: str | None = None
    api_destination: str | None = None


@dataclass(frozen=True)
class CatalogEvent:
    """One published (event type, version) with its payload model, its producer and its deliveries."""

    event_type: str
    version: int
    model: type[IntegrationEvent]
    producer: str
    deliveries: tuple[Delivery, ...]

    @property
    def name(self) -> str:
        """The message's name in the catalog: `<event_type>.v<version>`."""
        return f"{self.event_type}.v{self.version}"

    @property
    def consumers(self) -> list[str]:
        return sorted({delivery.consumer for delivery in self.deliveries})


def catalog_events(
    event_models: Mapping[tuple[str, int], type[IntegrationEvent]],
    topology: Topology,
    producers: Mapping[str, str] = PRODUCERS,
) -> list[CatalogEvent]:
    """Every registered event, ordered by type and version; raises CatalogError where the two sides disagree."""
    for name, rule in topology.rules.items():
        _check_rule_names_known_events(name, rule, event_models)
    events = []
    for (event_type, version), model in sorted(event_models.items()):
        if (model.event_type, model.event_version) != (event_type, version):
            raise CatalogError(
                f"EVENT_MODELS registers {model.__name__} as {event_type} v{version}, "
                f"but the model says {model.event_type} v{model.event_version}"
            )
        producer = producers.get(model.source)
        if producer is None:
            raise CatalogError(f"no producing service is known for source {model.source!r} ({event_type} v{version})")
        if producer not in topology.services:
            raise CatalogError(
                f"{event_type} v{version} is produced by {producer!r}, which the topology does not declare"
            )
        deliveries = tuple(
            _delivery(name, rule, topology)
            for name, rule in sorted(topology.rules.items())
            if _matches(rule.event_pattern, model.source, event_type)
        )
        events.append(CatalogEvent(event_type, version, model, producer, deliveries))
    return events


def _delivery(name: str, rule: Rule, topology: Topology) -> Delivery:
    if rule.target.queue is not None:
        return Delivery(name, topology.queues[rule.target.queue].consumer, queue=rule.target.queue)
    assert rule.target.api_destination is not None  # a RuleTarget names exactly one
    destination = topology.api_destinations[rule.target.api_destination]
    return Delivery(name, destination.service, api_destination=rule.target.api_destination)


def _matches(pattern: dict[str, Any], source: str, event_type: str) -> bool:
    # A key absent from an EventBridge pattern matches every value; content filters on `detail` only narrow
    # which events of the type arrive, so the type is still delivered.
    sources = _exact_values(pattern, "source")
    detail_types = _exact_values(pattern, "detail-type")
    return (sources is None or source in sources) and (detail_types is None or event_type in detail_types)


def _exact_values(pattern: dict[str, Any], key: str) -> list[str] | None:
    if key not in pattern:
        return None
    values = pattern[key]
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        # Prefix or anything-but matchers would need EventBridge's matching rules; none is used yet.
        raise CatalogError(f"the catalog understands only exact values in an event pattern's {key!r}, not {values!r}")
    return values


def _check_rule_names_known_events(
    name: str, rule: Rule, event_models: Mapping[tuple[str, int], type[IntegrationEvent]]
) -> None:
    sources = _exact_values(rule.event_pattern, "source")
    for detail_type in _exact_values(rule.event_pattern, "detail-type") or []:
        if not any(
            model.event_type == detail_type and (sources is None or model.source in sources)
            for model in event_models.values()
        ):
            raise CatalogError(f"rule {name} routes {detail_type}, which no contract in EVENT_MODELS describes")
