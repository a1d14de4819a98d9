"""`make trace`: waiting for the spans to arrive, what it says when there is no trace, and the command line itself."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.exporter.otlp.json.file.trace_exporter import FileSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from shop_devtools.trace_view import run
from shop_devtools.trace_view.cli import QUIET_SECONDS, wait_for_trace

ORDER = "ord-42"


class OrderService:
    """The order service appending its spans to order.jsonl, one line per span, as the work happens."""

    def __init__(self, directory: Path) -> None:
        self.provider = TracerProvider(resource=Resource.create({"service.name": "order"}))
        self.provider.add_span_processor(SimpleSpanProcessor(FileSpanExporter(directory / "order.jsonl")))
        self.root: trace.Span | None = None

    def post_order(self, order_id: str = ORDER) -> None:
        tracer = self.provider.get_tracer("shop")
        self.root = tracer.start_span(
            "POST /orders", context=otel_context.Context(), attributes={"shop.order_id": order_id}
        )
        self.root.end()

    def more_work(self) -> None:
        assert self.root is not None
        with self.provider.get_tracer("shop").start_as_current_span(
            "DynamoDB.TransactWriteItems", context=trace.set_span_in_context(self.root)
        ):
            pass


@pytest.fixture
def order_service(tmp_path: Path) -> Iterator[OrderService]:
    service = OrderService(tmp_path)
    yield service
    service.provider.shutdown()


class FakeClock:
    """Time that moves only when the code under test sleeps; each sleep may run the next step of the scenario."""

    def __init__(self, steps: dict[int, Callable[[], None]] | None = None) -> None:
        self.now = 100.0
        self.sleeps = 0
        self.steps = steps or {}

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.now += seconds
        self.sleeps += 1
        if self.sleeps in self.steps:
            self.steps[self.sleeps]()


def test_wait_returns_once_the_trace_has_stopped_growing(tmp_path: Path, order_service: OrderService) -> None:
    # The order's first span is there, more arrives at the 1st and 3rd polls, then nothing.
    order_service.post_order()
    clock = FakeClock({1: order_service.more_work, 3: order_service.more_work})

    scan = wait_for_trace(tmp_path, ORDER, 30.0, clock=clock, sleep=clock.sleep)

    assert scan.span_count == 3
    grown_at = 100.0 + 3 * 0.5
    assert clock.now == grown_at + QUIET_SECONDS  # well before the 30 s


def test_wait_sees_a_trace_that_appears_after_the_first_look(tmp_path: Path, order_service: OrderService) -> None:
    clock = FakeClock({4: order_service.post_order})
    out = io.StringIO()

    assert run(ORDER, tmp_path, 30.0, out=out, err=io.StringIO(), clock=clock, sleep=clock.sleep) == 0

    assert "POST /orders" in out.getvalue()
    assert clock.now == 100.0 + 4 * 0.5 + QUIET_SECONDS


def test_wait_gives_up_at_its_deadline_while_the_trace_keeps_growing(
    tmp_path: Path, order_service: OrderService
) -> None:
    order_service.post_order()
    clock = FakeClock({poll: order_service.more_work for poll in range(1, 100)})

    scan = wait_for_trace(tmp_path, ORDER, 5.0, clock=clock, sleep=clock.sleep)

    assert clock.now == 105.0
    assert scan.span_count == 1 + 10  # one span more at each of the ten polls of 0.5 s


def test_wait_for_an_order_never_traced_ends_at_the_deadline_with_exit_1(tmp_path: Path) -> None:
    (tmp_path / "order.jsonl").write_text("")
    clock = FakeClock()
    out, err = io.StringIO(), io.StringIO()

    assert run(ORDER, tmp_path, 3.0, out=out, err=err, clock=clock, sleep=clock.sleep) == 1

    assert clock.now == 103.0
    assert out.getvalue() == ""
    assert f"no trace found for order {ORDER!r} (waited 3 s)" in err.getvalue()


def test_no_trace_says_where_it_looked_and_what_to_check(tmp_path: Path, order_service: OrderService) -> None:
    order_service.post_order("ord-other")
    out, err = io.StringIO(), io.StringIO()

    assert run(ORDER, tmp_path, out=out, err=err) == 1

    assert out.getvalue() == ""
    message = err.getvalue()
    assert f"no span with shop.order_id = {ORDER!r} in the 1 *.jsonl files of {tmp_path}" in message
    assert "Is the stack running with `make start`" in message
    assert f"Are spans written to {tmp_path}" in message
    assert f'make -s trace ORDER={ORDER} ARGS="--wait 10"' in message


@pytest.mark.parametrize(
    ("prepare", "looked"),
    [
        (lambda directory: None, "{directory}/missing does not exist"),
        (lambda directory: (directory / "missing").mkdir(), "no *.jsonl span files in {directory}/missing"),
    ],
)
def test_no_trace_when_there_are_no_span_files(tmp_path: Path, prepare: Callable[[Path], None], looked: str) -> None:
    prepare(tmp_path)
    err = io.StringIO()

    assert run(ORDER, tmp_path / "missing", out=io.StringIO(), err=err) == 1

    assert looked.format(directory=tmp_path) in err.getvalue()


def test_an_empty_order_id_is_a_usage_error(tmp_path: Path) -> None:
    err = io.StringIO()

    assert run(" ", tmp_path, out=io.StringIO(), err=err) == 2

    assert "make -s trace ORDER=<order_id>" in err.getvalue()


def _trace_command(*args: str) -> subprocess.CompletedProcess[str]:
    """`make -s trace` runs this module."""
    return subprocess.run(
        [sys.executable, "-m", "shop_devtools.trace_view", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_command_prints_only_the_waterfall_on_stdout(tmp_path: Path, order_service: OrderService) -> None:
    order_service.post_order()
    order_service.more_work()

    found = _trace_command("--order", ORDER, "--dir", str(tmp_path), "--wait", "0.1")
    missing = _trace_command("--order", "ord-none", "--dir", str(tmp_path))

    assert (found.returncode, found.stderr) == (0, "")
    expected = io.StringIO()
    assert run(ORDER, tmp_path, out=expected, err=io.StringIO()) == 0
    assert found.stdout == expected.getvalue()
    assert found.stdout.startswith("trace ") and "    DynamoDB.TransactWriteItems" in found.stdout
    assert (missing.returncode, missing.stdout) == (1, "")
    assert "no trace found for order 'ord-none'" in missing.stderr
