"""One line of the OTLP JSON file exporter (`{"resourceSpans": [...]}`), parsed into `Span`s.

The format is the OTLP/JSON encoding of `ExportTraceServiceRequest`: lowerCamelCase fields, hex trace and span
ids, 64-bit integers (times, intValue) as strings, span kind and status code as enum numbers. Unknown fields are
ignored, so a newer exporter that adds some does not break the viewer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

__all__ = ["AttributeValue", "MalformedLineError", "Span", "parse_line"]

type AttributeValue = str | bool | int | float | list[AttributeValue] | dict[str, AttributeValue] | None

# SpanKind of the OTLP proto: the numbers the exporter writes, and the names other encoders write instead.
KIND_TAGS = {0: "", 1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}
STATUS_CODE_ERROR = 2


class MalformedLineError(ValueError):
    """A line that is not an OTLP JSON traces object (truncated, or written by something else)."""


@dataclass(frozen=True)
class Span:
    """What the viewer needs of one span."""

    trace_id: str
    span_id: str
    parent_span_id: str | None  # None for a root span
    name: str
    kind: str  # internal / server / client / producer / consumer, "" when unspecified
    service: str  # the resource's service.name
    start_ns: int  # Unix epoch nanoseconds
    end_ns: int
    failed: bool  # status ERROR
    status_message: str  # the description of an ERROR status (an exception type, in our services)
    attributes: Mapping[str, AttributeValue]

    @property
    def duration_ns(self) -> int:
        return max(self.end_ns - self.start_ns, 0)


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, frozen=True)


class _ArrayValue(_Model):
    values: list[_AnyValue] = []


class _KeyValueList(_Model):
    values: list[_KeyValue] = []


class _AnyValue(_Model):
    string_value: str | None = None
    bool_value: bool | None = None
    int_value: int | None = None
    double_value: float | None = None
    array_value: _ArrayValue | None = None
    kvlist_value: _KeyValueList | None = None
    bytes_value: str | None = None  # base64, kept as written

    def python(self) -> AttributeValue:
        if self.array_value is not None:
            return [value.python() for value in self.array_value.values]
        if self.kvlist_value is not None:
            return {pair.key: pair.value.python() for pair in self.kvlist_value.values}
        for value in (self.string_value, self.bool_value, self.int_value, self.double_value, self.bytes_value):
            if value is not None:
                return value
        return None


class _KeyValue(_Model):
    key: str
    value: _AnyValue = Field(default_factory=lambda: _AnyValue())


# The attribute values nest (arrays and key-value lists of values): resolve the references now all are defined.
_AnyValue.model_rebuild()


def _attributes(pairs: list[_KeyValue]) -> dict[str, AttributeValue]:
    return {pair.key: pair.value.python() for pair in pairs}


_TraceId = Annotated[str, Field(pattern=r"^[0-9a-fA-F]{32}$")]
_SpanId = Annotated[str, Field(pattern=r"^[0-9a-fA-F]{16}$")]


class _Status(_Model):
    code: int | str = 0
    message: str = ""


class _Span(_Model):
    trace_id: _TraceId
    span_id: _SpanId
    parent_span_id: Annotated[str, Field(pattern=r"^([0-9a-fA-F]{16})?$")] = ""
    name: str
    kind: int | str = 0
    start_time_unix_nano: int
    end_time_unix_nano: int
    attributes: list[_KeyValue] = []
    status: _Status = _Status()


class _Resource(_Model):
    attributes: list[_KeyValue] = []


class _ScopeSpans(_Model):
    spans: list[_Span] = []


class _ResourceSpans(_Model):
    resource: _Resource = _Resource()
    scope_spans: list[_ScopeSpans] = []


class _TracesLine(_Model):
    resource_spans: list[_ResourceSpans]


def _kind_tag(kind: int | str) -> str:
    if isinstance(kind, int):
        return KIND_TAGS.get(kind, "")
    return kind.removeprefix("SPAN_KIND_").lower().replace("unspecified", "")


def _is_error(code: int | str) -> bool:
    return code == STATUS_CODE_ERROR or code == "STATUS_CODE_ERROR"


def parse_line(line: bytes | str) -> list[Span]:
    """Every span of one line, or `MalformedLineError`."""
    try:
        parsed = _TracesLine.model_validate_json(line)
    except ValidationError as error:  # also raised for a line that is not JSON at all
        raise MalformedLineError(f"not an OTLP JSON traces line ({error.error_count()} errors)") from error
    spans: list[Span] = []
    for resource_spans in parsed.resource_spans:
        service = _attributes(resource_spans.resource.attributes).get("service.name")
        for scope_spans in resource_spans.scope_spans:
            spans.extend(
                Span(
                    trace_id=span.trace_id,
                    span_id=span.span_id,
                    parent_span_id=span.parent_span_id or None,
                    name=span.name,
                    kind=_kind_tag(span.kind),
                    service=service if isinstance(service, str) and service else "?",
                    start_ns=span.start_time_unix_nano,
                    end_ns=span.end_time_unix_nano,
                    failed=_is_error(span.status.code),
                    status_message=span.status.message,
                    attributes=_attributes(span.attributes),
                )
                for span in scope_spans.spans
            )
    return spans
