"""`make -s trace ORDER=<order_id>`: the waterfall on stdout, everything else (warnings, not found) on stderr."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from .reading import ORDER_ID_ATTRIBUTE, Scan, scan_directory
from .render import ASCII, UNICODE, Glyphs, render_trace
from .tree import build_traces

__all__ = ["QUIET_SECONDS", "run", "wait_for_trace"]

# Spans reach the files within about a second of the work (batch processor, OTEL_BSP_SCHEDULE_DELAY=500 ms
# locally): a trace that has not grown for this long is taken as complete.
QUIET_SECONDS = 2.0
POLL_SECONDS = 0.5


def wait_for_trace(
    directory: Path,
    order_id: str,
    wait_seconds: float,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Scan:
    """Scan until the order's traces have not grown for QUIET_SECONDS, or `wait_seconds` have passed."""
    deadline = clock() + wait_seconds
    scan = scan_directory(directory, order_id)
    grown_at = clock()
    while True:
        now = clock()
        if now >= deadline or (scan.spans_by_trace and now - grown_at >= QUIET_SECONDS):
            return scan
        sleep(min(POLL_SECONDS, deadline - now))
        previous_count = scan.span_count
        scan = scan_directory(directory, order_id)
        if scan.span_count != previous_count:
            grown_at = clock()


def _glyphs_for(stream: TextIO) -> Glyphs:
    """Block characters where the output can encode them (a UTF-8 terminal or pipe); ASCII elsewhere."""
    encoding = getattr(stream, "encoding", None)
    if not encoding:  # an in-memory text stream holds any character
        return UNICODE
    try:
        (UNICODE.bar + UNICODE.detached).encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return ASCII
    return UNICODE


def _report_bad_lines(scan: Scan, err: TextIO) -> None:
    if scan.malformed:
        where = ", ".join(f"{name} line {', '.join(map(str, sorted(lines)))}" for name, lines in scan.malformed.items())
        plural = "s" if scan.malformed_count != 1 else ""
        print(f"skipped {scan.malformed_count} malformed line{plural} (not OTLP JSON): {where}", file=err)
    for name in sorted(scan.unfinished):
        print(f"skipped the unfinished last line of {name} (being written, or its process was killed)", file=err)


def _not_found(scan: Scan, order_id: str, wait_seconds: float) -> str:
    directory = scan.directory
    if not directory.is_dir():
        looked = f"{directory} does not exist"
    elif not scan.files:
        looked = f"no *.jsonl span files in {directory}"
    else:
        looked = (
            f"no span with {ORDER_ID_ATTRIBUTE} = {order_id!r} in the {len(scan.files)} *.jsonl files of {directory}"
        )
    waited = f" (waited {wait_seconds:g} s)" if wait_seconds > 0 else ""
    return (
        f"no trace found for order {order_id!r}{waited}: {looked}.\n"
        "Is the stack running with `make start`, and did this order go through it? "
        f"Are spans written to {directory} (the services run with OTEL_TRACES_EXPORTER=file and a TRACES_FILE "
        "there)?\n"
        "Spans reach the files about a second after the work: to wait for them, "
        f'make -s trace ORDER={order_id} ARGS="--wait 10"'
    )


def run(
    order_id: str,
    directory: Path,
    wait_seconds: float = 0.0,
    *,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Print the waterfall of every trace of the order (the oldest first); 1 when there is none."""
    if not order_id.strip():
        print("which order? make -s trace ORDER=<order_id>", file=err)
        return 2
    if wait_seconds > 0:
        scan = wait_for_trace(directory, order_id, wait_seconds, clock=clock, sleep=sleep)
    else:
        scan = scan_directory(directory, order_id)
    _report_bad_lines(scan, err)
    if not scan.spans_by_trace:
        print(_not_found(scan, order_id, wait_seconds), file=err)
        return 1
    glyphs = _glyphs_for(out)
    blocks = ["\n".join(render_trace(tree, order_id, glyphs)) for tree in build_traces(scan.spans_by_trace)]
    print("\n\n".join(blocks), file=out)
    return 0
