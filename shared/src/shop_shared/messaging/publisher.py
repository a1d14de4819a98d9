"""Publishes envelopes to the EventBridge bus and reports success per event."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from shop_shared.contracts import EventEnvelope
from shop_shared.observability.tracing import publishing

if TYPE_CHECKING:
    from types_aiobotocore_events import EventBridgeClient
    from types_aiobotocore_events.type_defs import PutEventsRequestEntryTypeDef

__all__ = ["EventBridgePublisher", "EventPublisher", "PublishResult"]

logger = logging.getLogger(__name__)

PUT_EVENTS_MAX_ENTRIES = 10


@dataclass
class PublishResult:
    published: list[uuid.UUID] = field(default_factory=list)
    failed: dict[uuid.UUID, str] = field(default_factory=dict)


class EventPublisher(Protocol):
    async def publish(self, envelopes: Sequence[EventEnvelope[Any]]) -> PublishResult: ...


def to_put_events_entry(envelope: EventEnvelope[Any], bus_name: str) -> PutEventsRequestEntryTypeDef:
    return {
        "EventBusName": bus_name,
        "Source": envelope.metadata.source,
        "DetailType": envelope.metadata.event_type,
        "Time": envelope.metadata.occurred_at,
        "Detail": json.dumps(envelope.to_detail()),
    }


class EventBridgePublisher:
    """`PutEvents` in batches of ten; a failed entry is reported, never silently dropped.

    Each event gets a PRODUCER span in the trace it was produced in, and is sent with that span's context.
    """

    def __init__(self, events_client: EventBridgeClient, bus_name: str) -> None:
        self._client = events_client
        self._bus_name = bus_name

    async def publish(self, envelopes: Sequence[EventEnvelope[Any]]) -> PublishResult:
        result = PublishResult()
        for start in range(0, len(envelopes), PUT_EVENTS_MAX_ENTRIES):
            batch = envelopes[start : start + PUT_EVENTS_MAX_ENTRIES]
            with publishing(batch, self._bus_name) as spans:
                response = await self._client.put_events(
                    Entries=[to_put_events_entry(envelope, self._bus_name) for envelope in spans.envelopes]
                )
                # PutEvents answers entry by entry, in request order.
                for index, (envelope, entry) in enumerate(zip(batch, response["Entries"], strict=True)):
                    event_id = envelope.metadata.event_id
                    if "ErrorCode" in entry:
                        result.failed[event_id] = f"{entry['ErrorCode']}: {entry.get('ErrorMessage', '')}"
                        spans.refused(index, entry["ErrorCode"])
                    else:
                        result.published.append(event_id)
                        spans.sent(index)
        if result.failed:
            logger.warning("put_events had failed entries", extra={"failed": len(result.failed)})
        return result
