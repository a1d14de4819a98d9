"""Breaking changes between two catalogs: what a published (event type, version) may not do.

Compared per message (`components.messages`, keyed by x-event-type and x-event-version): the payload schema, the
envelope's metadata included, by the rules of `schemas.py`, and the EventBridge `source` rules match on. A new
version of an event (`order.created` v2 next to v1) is a new message and breaks nothing. A version that leaves the
catalog while its event type is still produced breaks its consumers and the events still in flight, in DLQs and
archives: keep the old model registered until no consumer needs it, then retire it here on purpose.
"""

from __future__ import annotations

from typing import Any

from .routes import CatalogError
from .schemas import SchemaComparison

__all__ = ["RETIRED_VERSIONS", "breaking_changes", "published_messages"]

# (event type, version) pairs retired on purpose: each may leave the catalog while newer versions of its type are
# still produced, and must never be published again. Add one in the change that removes its model from
# EVENT_MODELS, once every consumer reads the newer version and no old event waits in a queue, DLQ or archive.
RETIRED_VERSIONS: frozenset[tuple[str, int]] = frozenset()


def published_messages(document: dict[str, Any]) -> dict[tuple[str, int], dict[str, Any]]:
    """The catalog's messages by (event type, version)."""
    messages = document.get("components", {}).get("messages", {})
    if not isinstance(messages, dict):
        raise CatalogError("the catalog has no components.messages map")
    published = {}
    for name, message in messages.items():
        event_type, version = message.get("x-event-type"), message.get("x-event-version")
        if not isinstance(event_type, str) or not isinstance(version, int) or "payload" not in message:
            raise CatalogError(f"message {name} has no x-event-type, x-event-version and payload")
        published[(event_type, version)] = message
    return published


def breaking_changes(
    old_document: dict[str, Any],
    new_document: dict[str, Any],
    retired: frozenset[tuple[str, int]] = RETIRED_VERSIONS,
) -> list[str]:
    """One line per breaking change from `old_document` (the baseline) to `new_document`; empty when compatible."""
    old, new = published_messages(old_document), published_messages(new_document)
    problems = []
    for (event_type, version), old_message in sorted(old.items()):
        label = f"{event_type} v{version}"
        new_message = new.get((event_type, version))
        if new_message is None:
            produced = sorted(other for kind, other in new if kind == event_type)
            if produced and (event_type, version) not in retired:
                problems.append(
                    f"{label}: removed while {event_type} is still produced (as "
                    f"{', '.join(f'v{other}' for other in produced)}): consumers and events in flight still carry "
                    f"v{version}; keep its model in EVENT_MODELS next to the new version until no consumer needs "
                    "it, then add it to RETIRED_VERSIONS"
                )
            continue
        if old_message.get("x-source") != new_message.get("x-source"):
            problems.append(
                f"{label}: source changed from {old_message.get('x-source')} to {new_message.get('x-source')}, "
                "so the rules that route it no longer match"
            )
        comparison = SchemaComparison(old_document, new_document)
        problems += [f"{label}: {p}" for p in comparison.narrowings(old_message["payload"], new_message["payload"])]
    for event_type, version in sorted(new.keys() & retired):
        problems.append(
            f"{event_type} v{version}: retired (RETIRED_VERSIONS), so never published again: use a new version"
        )
    return problems
