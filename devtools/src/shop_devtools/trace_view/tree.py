"""A trace's spans in tree order: children under their parent, siblings by start time; nothing dropped."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .otlp import Span

__all__ = ["Row", "TraceTree", "build_trace", "build_traces"]


@dataclass(frozen=True)
class Row:
    """One line of the waterfall."""

    span: Span
    depth: int
    # Set on a span shown at the root although it has a parent: the parent's span id, and why it is not its parent.
    detached_parent: str | None = None
    detached_reason: str = ""


@dataclass(frozen=True)
class TraceTree:
    trace_id: str
    rows: tuple[Row, ...]

    @property
    def start_ns(self) -> int:
        return min(row.span.start_ns for row in self.rows)

    @property
    def end_ns(self) -> int:
        return max(row.span.end_ns for row in self.rows)

    @property
    def services(self) -> tuple[str, ...]:
        """The services in the order they first appear in the waterfall."""
        return tuple(dict.fromkeys(row.span.service for row in self.rows))

    @property
    def error_count(self) -> int:
        return sum(row.span.failed for row in self.rows)


def _start_order(span: Span) -> tuple[int, int, str, str]:
    return (span.start_ns, span.end_ns, span.name, span.span_id)


def build_trace(trace_id: str, spans: Iterable[Span]) -> TraceTree:
    """The rows of one trace, depth first. A span whose parent is not in the files is a root with a note."""
    by_id: dict[str, Span] = {}
    for span in spans:
        by_id.setdefault(span.span_id, span)  # a span written twice is shown once
    children: dict[str, list[Span]] = {}
    roots: list[Span] = []
    for span in by_id.values():
        if span.parent_span_id is None or span.parent_span_id not in by_id:
            roots.append(span)
        else:
            children.setdefault(span.parent_span_id, []).append(span)

    rows: list[Row] = []
    visited: set[str] = set()
    for root in sorted(roots, key=_start_order):
        note = "not recorded" if root.parent_span_id is not None else ""
        _walk(root, children, visited, rows, reason=note)
    # Spans whose parent links go round in a loop are reachable from no root: shown too, never dropped.
    for span in sorted(by_id.values(), key=_start_order):
        if span.span_id not in visited:
            _walk(span, children, visited, rows, reason="in a loop of parent links")
    return TraceTree(trace_id=trace_id, rows=tuple(rows))


def _walk(root: Span, children: Mapping[str, list[Span]], visited: set[str], rows: list[Row], *, reason: str) -> None:
    # Iterative, so a deep trace (a long retry chain) cannot hit the recursion limit.
    stack: list[tuple[Span, int]] = [(root, 0)]
    while stack:
        span, depth = stack.pop()
        if span.span_id in visited:
            continue
        visited.add(span.span_id)
        if depth == 0 and reason:
            rows.append(Row(span, 0, detached_parent=span.parent_span_id, detached_reason=reason))
        else:
            rows.append(Row(span, depth))
        # Pushed latest first, so the earliest child is popped (shown) first.
        for child in sorted(children.get(span.span_id, []), key=_start_order, reverse=True):
            stack.append((child, depth + 1))


def build_traces(spans_by_trace: Mapping[str, Iterable[Span]]) -> list[TraceTree]:
    """Every trace, the oldest first (a replay or a second POST of the order comes last)."""
    trees = [build_trace(trace_id, spans) for trace_id, spans in spans_by_trace.items()]
    return sorted(trees, key=lambda tree: (tree.start_ns, tree.trace_id))
