"""`make trace`: one order's traces as a waterfall in the terminal, read from the span files of the local runtime.

otlp.py parses a line of the OTLP JSON file exporter, reading.py finds the order's spans in the files, tree.py
orders them parent before child, render.py draws the waterfall, cli.py waits for the spans and reports.
"""

from .cli import run
from .otlp import MalformedLineError, Span, parse_line
from .reading import Scan, scan_directory
from .render import render_trace
from .tree import Row, TraceTree, build_trace, build_traces

__all__ = [
    "MalformedLineError",
    "Row",
    "Scan",
    "Span",
    "TraceTree",
    "build_trace",
    "build_traces",
    "parse_line",
    "render_trace",
    "run",
    "scan_directory",
]
