"""Find the spans of one order's traces in the span files (`*.jsonl`, one per process), streaming line by line.

Two passes, because most spans of an order's trace (AWS calls, HTTP clients) do not carry the order id: the
first finds the traces that have a span with `shop.order_id` = the order, the second collects every span of
those traces. A line is only parsed when it mentions the order id (first pass) or one of the trace ids (second
pass): each span writes its trace id in the line as hex, so a line without it cannot hold one of its spans, and
a 500 MB file after a bench is scanned at the speed of a substring search rather than of a JSON parser.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .otlp import MalformedLineError, Span, parse_line

__all__ = ["ORDER_ID_ATTRIBUTE", "Scan", "scan_directory"]

ORDER_ID_ATTRIBUTE = "shop.order_id"  # shop_shared.observability.tracing.ORDER_ID


@dataclass
class Scan:
    """What one look at the span files found."""

    directory: Path
    files: list[Path]
    spans_by_trace: dict[str, list[Span]] = field(default_factory=dict)
    # Lines that mention the order or one of its traces but are not OTLP JSON, by file name (line numbers).
    malformed: dict[str, set[int]] = field(default_factory=dict)
    # Files whose last line is unfinished: still being written, or its process was killed mid-write.
    unfinished: set[str] = field(default_factory=set)

    @property
    def span_count(self) -> int:
        return sum(len(spans) for spans in self.spans_by_trace.values())

    @property
    def malformed_count(self) -> int:
        return sum(len(numbers) for numbers in self.malformed.values())


def _spans_in(path: Path, markers: tuple[bytes, ...], scan: Scan) -> Iterator[Span]:
    """The spans of every line of `path` that contains one of `markers`; a bad line is noted in `scan`."""
    try:
        file = path.open("rb")
    except FileNotFoundError:  # removed since the listing: a new `make start` clears the last run's files
        return
    with file:
        for number, line in enumerate(file, start=1):
            if not any(marker in line for marker in markers):
                continue
            try:
                yield from parse_line(line)
            except MalformedLineError:
                if line.endswith(b"\n"):
                    scan.malformed.setdefault(path.name, set()).add(number)
                else:
                    scan.unfinished.add(path.name)


def _order_markers(order_id: str) -> tuple[bytes, ...]:
    # The exporter writes strings with json.dumps (non-ASCII and quotes escaped); another writer may not escape.
    return tuple({order_id.encode(), json.dumps(order_id)[1:-1].encode()})


def scan_directory(directory: Path, order_id: str) -> Scan:
    """Every span of every trace that has a span of the order, by trace id."""
    files = sorted(directory.glob("*.jsonl")) if directory.is_dir() else []
    scan = Scan(directory=directory, files=files)
    trace_ids: set[str] = set()
    order_markers = _order_markers(order_id)
    for path in files:
        trace_ids.update(
            span.trace_id
            for span in _spans_in(path, order_markers, scan)
            if span.attributes.get(ORDER_ID_ATTRIBUTE) == order_id
        )
    if not trace_ids:
        return scan
    trace_markers = tuple(trace_id.encode() for trace_id in sorted(trace_ids))
    for path in files:
        for span in _spans_in(path, trace_markers, scan):
            if span.trace_id in trace_ids:
                scan.spans_by_trace.setdefault(span.trace_id, []).append(span)
    return scan
