"""Looks up an event's payload model by type and version, and parses envelopes with it."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from .envelope import EventEnvelope, EventMetadata, IntegrationEvent
from .loyalty import LoyaltyTierChanged
from .orders import OrderCreated
from .payments import PaymentFailed, PaymentRefunded, PaymentSucceeded

__all__ = ["EVENT_MODELS", "InvalidEvent", "UnknownEventType", "parse_envelope"]

EVENT_MODELS: dict[tuple[str, int], type[IntegrationEvent]] = {
    (model.event_type, model.event_version): model
    for model in (OrderCreated, PaymentSucceeded, PaymentFailed, PaymentRefunded, LoyaltyTierChanged)
}


class InvalidEvent(ValueError):
    """The message is not a valid envelope of a known event."""


class UnknownEventType(InvalidEvent):
    """A well-formed envelope whose type or version no contract describes."""


def parse_envelope(detail: Any) -> EventEnvelope[Any]:
    """Validate an envelope and its payload against the registered contract."""
    if not isinstance(detail, dict):
        raise InvalidEvent("event detail must be a JSON object")
    try:
        metadata = EventMetadata.model_validate(detail.get("metadata"))
    except ValidationError as error:
        raise InvalidEvent(f"invalid event metadata: {error}") from error
    model = EVENT_MODELS.get((metadata.event_type, metadata.event_version))
    if model is None:
        raise UnknownEventType(f"no contract for {metadata.event_type} v{metadata.event_version}")
    try:
        return EventEnvelope[model].model_validate(detail)  # type: ignore[valid-type]
    except ValidationError as error:
        raise InvalidEvent(f"invalid {metadata.event_type} v{metadata.event_version}: {error}") from error
