"""The one event envelope every service publishes and consumes: metadata apart from the payload."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, cast

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

__all__ = ["TRACEPARENT_PATTERN", "EventEnvelope", "EventMetadata", "IntegrationEvent", "new_envelope"]

# W3C Trace Context, version 00: version-traceid-parentid-flags, lowercase hex.
TRACE_ID_PATTERN = r"^[0-9a-f]{32}$"
TRACEPARENT_PATTERN = r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"


class IntegrationEvent(BaseModel):
    """Base of every event payload: a fact in the past tense, versioned, free of secrets."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    event_version: ClassVar[int]
    source: ClassVar[str]


class EventMetadata(BaseModel):
    """What consumers need to route, deduplicate and trace an event, kept apart from its data."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: uuid.UUID = Field(description="Unique per fact; consumers deduplicate on it.")
    event_type: str = Field(min_length=1, examples=["order.created"])
    event_version: int = Field(ge=1)
    occurred_at: AwareDatetime
    source: str = Field(min_length=1, examples=["shop.order"])
    correlation_id: str = Field(min_length=1, description="Shared by every event of one business flow.")
    causation_id: str | None = Field(default=None, description="The event id that caused this one.")
    trace_id: str | None = Field(
        default=None,
        pattern=TRACE_ID_PATTERN,
        description="The W3C trace id of the work that produced the event (32 hex digits), for logs and search.",
    )
    traceparent: str | None = Field(
        default=None,
        pattern=TRACEPARENT_PATTERN,
        description="W3C trace context of the span that published the event; consumers continue the trace from it.",
        examples=["00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"],
    )


class EventEnvelope[DataT: BaseModel](BaseModel):
    """An event as it travels: `metadata` for the plumbing, `data` for the business fact."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    metadata: EventMetadata
    data: DataT

    def with_trace(self, traceparent: str | None) -> EventEnvelope[DataT]:
        """A copy that carries `traceparent` (and its trace id); the same envelope when there is none."""
        if traceparent is None or traceparent == self.metadata.traceparent:
            return self
        metadata = self.metadata.model_copy(update={"traceparent": traceparent, "trace_id": _trace_id_of(traceparent)})
        return self.model_copy(update={"metadata": metadata})

    def to_detail(self) -> dict[str, Any]:
        """The JSON-ready form used as the EventBridge `detail`."""
        return self.model_dump(mode="json")


def _trace_id_of(traceparent: str) -> str:
    """The trace id of a W3C `traceparent` (version-traceid-parentid-flags)."""
    return traceparent.split("-")[1]


def new_envelope[EventT: IntegrationEvent](
    data: EventT,
    *,
    correlation_id: str,
    causation_id: str | None = None,
    event_id: uuid.UUID | None = None,
    traceparent: str | None = None,
    occurred_at: datetime | None = None,
) -> EventEnvelope[EventT]:
    """Wrap a payload; pass `event_id` when the id must be deterministic (replays, recomputations)."""
    metadata = EventMetadata(
        event_id=event_id or uuid.uuid4(),
        event_type=data.event_type,
        event_version=data.event_version,
        occurred_at=occurred_at or datetime.now(UTC),
        source=data.source,
        correlation_id=correlation_id,
        causation_id=causation_id,
        trace_id=_trace_id_of(traceparent) if traceparent else None,
        traceparent=traceparent,
    )
    # Parametrise with the payload's concrete class: with the bound type, pydantic would serialise
    # `data` as an empty BaseModel and every published event would lose its payload.
    envelope_model: Any = EventEnvelope[type(data)]  # type: ignore[misc]
    return cast(EventEnvelope[EventT], envelope_model(metadata=metadata, data=data))
