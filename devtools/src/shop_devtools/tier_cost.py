"""`make tier-cost`: Step Functions cost of the monthly loyalty-tier run, chunked against one customer per iteration.

Counting rule (what AWS bills for a Standard workflow): one state transition for every state an execution
enters (Task, Pass, Map, Parallel, Choice, Wait, Succeed, Fail), including every state entered inside every
Map iteration, and once more for each retry (a retry re-enters its Task state). The transitions of a run that
succeeds are counted by walking the rendered ASL, not from state names:

    transitions = states entered on the top-level success path (StartAt, then Next until End; the Map state
                  itself is one of them)
                + iterations x states one Map iteration enters on its success path
                  (ItemProcessor.StartAt, then Next until End)

chunked: this ASL, iterations = the chunks PlanChunks cuts (ceil(customers / chunk_size), at least 1, at most
         MAX_SEGMENTS), so transitions grow with chunks, not customers.
naive:   the same ASL with one customer per Map iteration, iterations = customers.

An inline Map writes its iterations into the parent execution's history, which a Standard execution caps at
25,000 events; the events are estimated from the same walk (HISTORY_EVENTS_PER_STATE). Past that cap the naive
design would have to become a Distributed Map (child executions), a reason beyond cost to chunk.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from shop_batch_worker.domain.planning import MAX_CHUNK_SIZE, MAX_SEGMENTS, RunRequest, plan_run
from shop_batch_worker.settings import BatchSettings
from shop_shared.topology import load_topology

__all__ = ["DesignCost", "EnteredState", "RunShape", "chunk_count", "estimate", "main", "render_report", "walk_asl"]

# Standard workflows, us-east-1 list price ($0.025 per 1,000 state transitions); other regions differ slightly.
PRICE_PER_TRANSITION = Decimal("0.025") / 1000
# The AWS free tier (4,000 transitions a month per account) is ignored: it is shared by every workflow.
FREE_TRANSITIONS_PER_MONTH = 4_000
RUNS_PER_YEAR = 12
HISTORY_EVENT_LIMIT = 25_000

DEFAULT_CHUNK_SIZE: int = BatchSettings.model_fields["default_chunk_size"].default

# History events of one successful entry of a state (HistoryEvent types of the Step Functions API): a Task
# writes TaskStateEntered, Activity|Lambda|TaskScheduled, ...Started, ...Succeeded and TaskStateExited; a Map
# MapStateEntered, MapStateStarted, MapStateSucceeded and MapStateExited; any other state Entered and Exited.
HISTORY_EVENTS_PER_STATE = {"Task": 5, "Map": 4}
OTHER_STATE_HISTORY_EVENTS = 2
EXECUTION_HISTORY_EVENTS = 2  # ExecutionStarted, ExecutionSucceeded
ITERATION_HISTORY_EVENTS = 2  # MapIterationStarted, MapIterationSucceeded

STATE_MACHINE_KEY = "loyalty-tiers"
# Only the shape of the ASL matters here; any activity ARN renders it.
PLACEHOLDER_ACTIVITY_ARN = "arn:aws:states:us-east-1:000000000000:activity:loyalty-tier-tasks"


@dataclass(frozen=True)
class EnteredState:
    """A state entered on a success path, with what it adds to the bill and to the history."""

    name: str
    type: str
    retries: int  # the most retries of one entry: the sum of its retriers' MaxAttempts (AWS default 3)
    catch_states: tuple[str, ...] = ()

    @property
    def history_events(self) -> int:
        return HISTORY_EVENTS_PER_STATE.get(self.type, OTHER_STATE_HISTORY_EVENTS)


@dataclass(frozen=True)
class RunShape:
    """What one successful run enters: the top-level path and the path of one Map iteration."""

    top_level: tuple[EnteredState, ...]
    map_state: str
    iteration: tuple[EnteredState, ...]

    def transitions(self, iterations: int) -> int:
        return len(self.top_level) + iterations * len(self.iteration)

    def history_events(self, iterations: int) -> int:
        per_iteration = ITERATION_HISTORY_EVENTS + sum(state.history_events for state in self.iteration)
        top = EXECUTION_HISTORY_EVENTS + sum(state.history_events for state in self.top_level)
        return top + iterations * per_iteration

    def max_inline_iterations(self) -> int:
        """The most iterations whose history still fits the limit of a Standard execution."""
        per_iteration = self.history_events(1) - self.history_events(0)
        return (HISTORY_EVENT_LIMIT - self.history_events(0)) // per_iteration

    def retries_per_iteration(self) -> int:
        return sum(state.retries for state in self.iteration)


def _walk(states: Mapping[str, Any], start_at: str) -> list[EnteredState]:
    """The states entered on the success path: StartAt, then Next until End (or a Succeed state)."""
    path: list[EnteredState] = []
    name = start_at
    while True:
        if name not in states:
            raise ValueError(f"the ASL names a state {name!r} it does not define")
        if any(seen.name == name for seen in path):
            raise ValueError(f"the success path loops back to {name!r}: transitions depend on the data")
        state = states[name]
        if state["Type"] in {"Choice", "Parallel", "Fail"}:
            raise ValueError(f"{name!r} is a {state['Type']} state: this estimate walks a linear success path")
        retries = sum(int(retrier.get("MaxAttempts", 3)) for retrier in state.get("Retry", []))
        catches = tuple(catcher["Next"] for catcher in state.get("Catch", []))
        path.append(EnteredState(name, state["Type"], retries, catches))
        if state.get("End") or state["Type"] == "Succeed":
            return path
        name = state["Next"]


def walk_asl(definition: Mapping[str, Any]) -> RunShape:
    """The shape of a run of a rendered ASL with exactly one inline Map state on its success path."""
    top_level = _walk(definition["States"], definition["StartAt"])
    maps = [state.name for state in top_level if state.type == "Map"]
    if len(maps) != 1:
        raise ValueError(f"expected one Map state on the success path, found {len(maps)}")
    processor = definition["States"][maps[0]]["ItemProcessor"]
    mode = processor.get("ProcessorConfig", {}).get("Mode", "INLINE")
    if mode != "INLINE":
        raise ValueError(f"{maps[0]!r} runs in {mode} mode; this estimate models an inline Map")
    iteration = _walk(processor["States"], processor["StartAt"])
    if any(state.type == "Map" for state in iteration):
        raise ValueError(f"a Map inside {maps[0]!r}: its number of iterations is unknown")
    return RunShape(top_level=tuple(top_level), map_state=maps[0], iteration=tuple(iteration))


def load_tier_run_shape() -> RunShape:
    definition = load_topology().state_machine_definition(STATE_MACHINE_KEY, {"activity_arn": PLACEHOLDER_ACTIVITY_ARN})
    return walk_asl(definition)


def chunk_count(customers: int, chunk_size: int) -> int:
    """The chunks PlanChunks plans: one per `chunk_size` customers, at least one, at most MAX_SEGMENTS."""
    plan = plan_run(RunRequest(chunk_size=chunk_size), datetime.now(UTC), customers, chunk_size)
    return len(plan.chunks)


@dataclass(frozen=True)
class DesignCost:
    design: str
    customers: int
    iterations: int
    transitions: int
    history_events: int

    @property
    def per_run(self) -> Decimal:
        return self.transitions * PRICE_PER_TRANSITION

    @property
    def per_year(self) -> Decimal:
        return self.per_run * RUNS_PER_YEAR

    @property
    def exceeds_history_limit(self) -> bool:
        return self.history_events > HISTORY_EVENT_LIMIT


def estimate(shape: RunShape, customers: int, chunk_size: int) -> tuple[DesignCost, DesignCost]:
    """(chunked, naive) for one run over `customers` customers."""

    def design(name: str, iterations: int) -> DesignCost:
        return DesignCost(name, customers, iterations, shape.transitions(iterations), shape.history_events(iterations))

    return design("chunked", chunk_count(customers, chunk_size)), design("naive", customers)


def dollars(amount: Decimal) -> str:
    """Cents, or 4 decimals under a dollar so that tiny amounts do not read as $0.00."""
    return f"${amount:,.4f}" if amount < 1 else f"${amount:,.2f}"


def render_report(shape: RunShape, customer_counts: Sequence[int], chunk_size: int) -> str:
    top = ", ".join(state.name for state in shape.top_level)
    inner = ", ".join(state.name for state in shape.iteration)
    header = [
        "Step Functions cost of the monthly loyalty-tier run: Standard workflow, "
        f"${(PRICE_PER_TRANSITION * 1000).normalize()} per 1,000 state transitions, {RUNS_PER_YEAR} runs a year "
        f"(free tier of {FREE_TRANSITIONS_PER_MONTH:,} transitions a month ignored).",
        f"chunked = this ASL, {chunk_size:,} customers per chunk, at most {MAX_SEGMENTS:,} chunks; "
        "naive = the same ASL with one customer per Map iteration.",
        f"Walked from the ASL: {len(shape.top_level)} states entered per run ({top}) "
        f"+ {len(shape.iteration)} per {shape.map_state} iteration ({inner}).",
        "",
    ]
    pairs = [estimate(shape, customers, chunk_size) for customers in customer_counts]
    table = _aligned(
        [("customers", "design", "iterations", "transitions/run", "$/run", "$/year", "history events")]
        + [_row(cost) for pair in pairs for cost in pair]
    )
    ratios = [
        f"{naive.customers:,} customers: the naive design makes {naive.transitions / chunked.transitions:,.1f}x the "
        f"transitions (and the cost) of the chunked one: {dollars(naive.per_year)} against "
        f"{dollars(chunked.per_year)} a year."
        for chunked, naive in pairs
    ]
    return "\n".join([*header, *table, "", *ratios, "", *_notes(shape, pairs, chunk_size)])


def _row(cost: DesignCost) -> tuple[str, ...]:
    flag = " *" if cost.exceeds_history_limit else "  "
    return (
        f"{cost.customers:,}",
        cost.design,
        f"{cost.iterations:,}",
        f"{cost.transitions:,}",
        dollars(cost.per_run),
        dollars(cost.per_year),
        f"{cost.history_events:,}{flag}",
    )


def _aligned(rows: list[tuple[str, ...]]) -> list[str]:
    """Numbers right-aligned, the design name (second column) left-aligned."""
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return [
        "  ".join(
            cell.ljust(width) if column == 1 else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]


def _notes(shape: RunShape, pairs: list[tuple[DesignCost, DesignCost]], chunk_size: int) -> list[str]:
    notes: list[str] = []
    capped = [
        f"{chunked.customers:,} ({math.ceil(chunked.customers / chunked.iterations):,} per chunk)"
        for chunked, _ in pairs
        if chunked.iterations * chunk_size < chunked.customers
    ]
    if capped:
        notes.append(
            f"Capped at {MAX_SEGMENTS:,} chunks, so chunks hold more than {chunk_size:,}: {', '.join(capped)}."
        )
    notes.append(
        f"History estimate: {shape.history_events(1) - shape.history_events(0)} events per iteration "
        "(MapIterationStarted/Succeeded; 5 per Task: Entered, Scheduled, Started, Succeeded, Exited; 2 per other "
        f"state) + {shape.history_events(0)} per run."
    )
    if any(cost.exceeds_history_limit for pair in pairs for cost in pair):
        notes.append(
            f"* over the {HISTORY_EVENT_LIMIT:,}-event history of a Standard execution (an inline Map fits about "
            f"{shape.max_inline_iterations():,} iterations): that run would fail, so that design would need a "
            "Distributed Map (child executions), not only a bigger bill."
        )
    catches = sorted({name for state in shape.iteration for name in state.catch_states})
    notes.append(
        "Not in the table: each retry re-enters its state and bills one more transition (up to "
        f"{shape.retries_per_iteration()} per {shape.map_state} iteration here)"
        + (f"; a chunk that still fails also enters {', '.join(catches)}." if catches else ".")
    )
    return notes


def _customer_count(text: str) -> int:
    """10000, 10_000, 10,000, 10k or 1M."""
    cleaned = text.strip().replace(",", "").replace("_", "").lower()
    multiplier = {"k": 1_000, "m": 1_000_000}.get(cleaned[-1:], 1)
    digits = cleaned[:-1] if multiplier > 1 else cleaned
    try:
        value = Decimal(digits) * multiplier
    except ArithmeticError:
        raise argparse.ArgumentTypeError(f"not a customer count: {text!r}") from None
    if not value.is_finite() or value < 0 or value != int(value):
        raise argparse.ArgumentTypeError(f"not a customer count: {text!r}")
    return int(value)


def _chunk_size(text: str) -> int:
    value = int(text)
    if not 1 <= value <= MAX_CHUNK_SIZE:
        raise argparse.ArgumentTypeError(f"the chunk size is between 1 and {MAX_CHUNK_SIZE:,}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="shop-dev tier-cost", description="Step Functions cost of the tier run.")
    customers_help = "customer counts, repeatable: --customers 10k 100k 1M (default 100,000)"
    parser.add_argument("--customers", type=_customer_count, nargs="+", action="extend", help=customers_help)
    chunk_help = f"customers per chunk (default {DEFAULT_CHUNK_SIZE}, the batch worker's)"
    parser.add_argument("--chunk-size", type=_chunk_size, default=DEFAULT_CHUNK_SIZE, help=chunk_help)
    args = parser.parse_args(argv)
    print(render_report(load_tier_run_shape(), args.customers or [100_000], args.chunk_size))
    return 0
