"""Reads our envelope out of an EventBridge event, as delivered to SQS or to an API destination."""

from __future__ import annotations

import json
from typing import Any

from shop_shared.contracts import EventEnvelope, InvalidEvent, parse_envelope

__all__ = ["envelope_from_eventbridge_event", "envelope_from_sqs_body"]


def envelope_from_eventbridge_event(event: Any) -> EventEnvelope[Any]:
    """Validate the EventBridge event and the envelope in its `detail`; they must agree on the type."""
    if not isinstance(event, dict) or "detail" not in event:
        raise InvalidEvent("not an EventBridge event: no detail")
    envelope = parse_envelope(event["detail"])
    if event.get("detail-type") != envelope.metadata.event_type:
        raise InvalidEvent(f"detail-type {event.get('detail-type')!r} does not match {envelope.metadata.event_type!r}")
    return envelope


def envelope_from_sqs_body(body: str) -> EventEnvelope[Any]:
    try:
        event = json.loads(body)
    except json.JSONDecodeError as error:
        raise InvalidEvent(f"message body is not JSON: {error.msg}") from error
    return envelope_from_eventbridge_event(event)
