"""A trace as plain text: a header, then one line per span with a proportional bar on a fixed-width timeline.

No colour, so it reads the same in a terminal and piped to a file or grep: a failed span's line starts with `!`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from .otlp import Span
from .tree import Row, TraceTree

__all__ = ["ASCII", "UNICODE", "Glyphs", "render_trace"]

TIMELINE_WIDTH = 32  # characters between the bar's borders
INDENT = "  "  # per level of depth, in the operation column
NS_PER_MS = 1_000_000


@dataclass(frozen=True)
class Glyphs:
    bar: str
    detached: str  # before "parent <id> not recorded"


UNICODE = Glyphs(bar="█", detached="↳")
ASCII = Glyphs(bar="#", detached="->")


def _ms(nanoseconds: int) -> str:
    return f"{nanoseconds / NS_PER_MS:.1f}"


def _total(nanoseconds: int) -> str:
    return f"{nanoseconds / NS_PER_MS:.1f} ms" if nanoseconds < 1_000 * NS_PER_MS else f"{nanoseconds / 1e9:.2f} s"


def _messaging(span: Span) -> str:
    """Where a `process <event>` span's event came from: the queue (or API destination) and the receive count."""
    if not span.name.startswith("process "):
        return ""
    parts: list[str] = []
    destination = span.attributes.get("messaging.destination.name")
    if destination:
        system = span.attributes.get("messaging.system")
        parts.append(f"{'queue' if system == 'aws_sqs' else 'via'} {destination}")
    receive_count = span.attributes.get("messaging.aws.sqs.receive_count")
    if receive_count is not None:
        parts.append(f"receive {receive_count}")
    return f" [{', '.join(parts)}]" if parts else ""


def _operation(row: Row, glyphs: Glyphs) -> str:
    text = INDENT * row.depth + row.span.name + _messaging(row.span)
    if row.detached_parent is not None:
        text += f"  {glyphs.detached} parent {row.detached_parent} {row.detached_reason}"
    return text


def _status(span: Span) -> str:
    return f"error: {span.status_message or '(no description)'}" if span.failed else "ok"


def _bar(span: Span, trace_start: int, trace_duration: int, glyphs: Glyphs) -> str:
    scale = TIMELINE_WIDTH / max(trace_duration, 1)
    first = min(int((span.start_ns - trace_start) * scale), TIMELINE_WIDTH - 1)
    last = min(max(math.ceil((span.end_ns - trace_start) * scale), first + 1), TIMELINE_WIDTH)  # at least one cell
    return "|" + " " * first + glyphs.bar * (last - first) + " " * (TIMELINE_WIDTH - last) + "|"


def _header(tree: TraceTree, order_id: str) -> str:
    services = tree.services
    errors = f", {tree.error_count} error{'s' if tree.error_count != 1 else ''}" if tree.error_count else ""
    started = datetime.fromtimestamp(tree.start_ns / 1e9, tz=UTC).isoformat(timespec="milliseconds")
    return (
        f"trace {tree.trace_id}  order {order_id}  {len(tree.rows)} span{'s' if len(tree.rows) != 1 else ''}, "
        f"{len(services)} service{'s' if len(services) != 1 else ''} ({', '.join(services)}), "
        f"{_total(tree.end_ns - tree.start_ns)}{errors}, started {started.replace('+00:00', 'Z')}"
    )


def render_trace(tree: TraceTree, order_id: str, glyphs: Glyphs = UNICODE) -> list[str]:
    """The lines of one trace's waterfall (no trailing newlines)."""
    start, duration = tree.start_ns, tree.end_ns - tree.start_ns
    columns = ("service", "kind", "operation", "start ms", "dur ms", "status", f"timeline ({_total(duration)})")
    cells = [
        (
            row.span.service,
            row.span.kind,
            _operation(row, glyphs),
            _ms(row.span.start_ns - start),
            _ms(row.span.duration_ns),
            _status(row.span),
            _bar(row.span, start, duration, glyphs),
        )
        for row in tree.rows
    ]
    widths = [max(len(column), *(len(line[index]) for line in cells)) for index, column in enumerate(columns)]
    numeric = {3, 4}  # right-aligned

    def line(values: tuple[str, ...], failed: bool) -> str:
        aligned = [
            value.rjust(widths[index]) if index in numeric else value.ljust(widths[index])
            for index, value in enumerate(values)
        ]
        return ("! " if failed else "  ") + "  ".join(aligned).rstrip()

    lines = [_header(tree, order_id), line(columns, failed=False)]
    lines.extend(line(values, failed=row.span.failed) for values, row in zip(cells, tree.rows, strict=True))
    return lines
