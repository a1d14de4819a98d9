"""The tier-run cost script counts transitions from the ASL and prices the chunked design against the naive one."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from shop_batch_worker.domain import planning
from shop_batch_worker.settings import BatchSettings
from shop_devtools import tier_cost
from shop_devtools.tier_cost import chunk_count, estimate, main, walk_asl
from shop_shared.topology import load_topology


def rendered_asl() -> dict[str, Any]:
    return load_topology().state_machine_definition("loyalty-tiers", {"activity_arn": "arn:aws:states:::activity:x"})


def test_the_walk_follows_the_success_path_of_the_rendered_asl() -> None:
    shape = walk_asl(rendered_asl())

    # By hand from loyalty_tiers.asl.json: PlanChunks -> RecomputeChunks (Map) -> Summarise (End);
    # an iteration enters RecomputeChunk (End); RecordFailedChunk is only the Catch path.
    assert [state.name for state in shape.top_level] == ["PlanChunks", "RecomputeChunks", "Summarise"]
    assert shape.map_state == "RecomputeChunks"
    assert [state.name for state in shape.iteration] == ["RecomputeChunk"]
    assert shape.iteration[0].catch_states == ("RecordFailedChunk",)
    assert shape.retries_per_iteration() == 2


def test_transitions_and_cost_for_100k_customers_computed_by_hand() -> None:
    chunked, naive = estimate(walk_asl(rendered_asl()), 100_000, 500)

    # 100,000 / 500 = 200 chunks: 3 top-level states + 200 x 1 = 203; naive: 3 + 100,000 = 100,003.
    assert (chunked.iterations, chunked.transitions) == (200, 203)
    assert (naive.iterations, naive.transitions) == (100_000, 100_003)
    # $0.025 per 1,000 transitions.
    assert chunked.per_run == Decimal("0.005075")
    assert chunked.per_year == Decimal("0.0609")
    assert naive.per_run == Decimal("2.500075")
    assert naive.per_year == Decimal("30.0009")
    assert naive.transitions / chunked.transitions == pytest.approx(492.6, abs=0.05)


def test_chunks_are_capped_at_1000_and_never_zero() -> None:
    assert chunk_count(0, 500) == 1
    assert chunk_count(500, 500) == 1
    assert chunk_count(501, 500) == 2
    assert chunk_count(500_000, 500) == 1000
    assert chunk_count(1_000_000, 500) == 1000
    assert chunk_count(10_000_000, 1) == 1000

    chunked, naive = estimate(walk_asl(rendered_asl()), 1_000_000, 500)
    assert chunked.transitions == 1_003
    assert naive.transitions == 1_000_003
    assert naive.transitions / chunked.transitions == pytest.approx(997.0, abs=0.05)


def test_chunk_counts_are_the_planners() -> None:
    assert BatchSettings.model_fields["default_chunk_size"].default == tier_cost.DEFAULT_CHUNK_SIZE
    started_at = datetime(2025, 3, 1, tzinfo=UTC)
    for customers, chunk_size in [(0, 500), (1, 500), (999, 500), (1_001, 500), (123_457, 250), (2_000_000, 500)]:
        plan = planning.plan_run(planning.RunRequest(), started_at, customers, chunk_size)
        assert chunk_count(customers, chunk_size) == len(plan.chunks), (customers, chunk_size)


def test_an_extra_state_in_the_iteration_is_counted_once_per_iteration() -> None:
    definition = copy.deepcopy(rendered_asl())
    processor = definition["States"]["RecomputeChunks"]["ItemProcessor"]
    del processor["States"]["RecomputeChunk"]["End"]
    processor["States"]["RecomputeChunk"]["Next"] = "AuditChunk"
    processor["States"]["AuditChunk"] = {"Type": "Pass", "End": True}

    shape = walk_asl(definition)
    chunked, naive = estimate(shape, 100_000, 500)

    assert [state.name for state in shape.iteration] == ["RecomputeChunk", "AuditChunk"]
    assert chunked.transitions == 3 + 200 * 2
    assert naive.transitions == 3 + 100_000 * 2
    # The Pass state adds its Entered and Exited events to every iteration.
    assert shape.history_events(1) - shape.history_events(0) == 2 + 5 + 2


def test_an_extra_top_level_state_is_counted_once_per_run() -> None:
    definition = copy.deepcopy(rendered_asl())
    definition["States"]["Summarise"]["Next"] = "Done"
    del definition["States"]["Summarise"]["End"]
    definition["States"]["Done"] = {"Type": "Succeed"}

    assert walk_asl(definition).transitions(200) == 4 + 200


def test_history_of_the_naive_design_passes_the_inline_map_limit() -> None:
    shape = walk_asl(rendered_asl())

    # Per run: ExecutionStarted/Succeeded 2 + PlanChunks 5 + Map 4 + Summarise 5 = 16; per iteration 2 + 5 = 7.
    assert shape.history_events(0) == 16
    assert shape.history_events(1) == 23
    assert shape.max_inline_iterations() == (25_000 - 16) // 7
    chunked, naive = estimate(shape, 10_000_000, 500)
    assert chunked.history_events == 16 + 1000 * 7
    assert not chunked.exceeds_history_limit
    assert naive.exceeds_history_limit
    assert not estimate(shape, 3_569, 500)[1].exceeds_history_limit
    assert estimate(shape, 3_570, 500)[1].exceeds_history_limit


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["States"]["PlanChunks"].update(Type="Choice"), "Choice"),
        (lambda d: d["States"]["Summarise"].update(End=False, Next="PlanChunks"), "loops back"),
        (lambda d: d["States"]["Summarise"].update(End=False, Next="Missing"), "does not define"),
        (lambda d: d["States"]["RecomputeChunks"].update(Type="Task"), "one Map state"),
        (
            lambda d: d["States"]["RecomputeChunks"]["ItemProcessor"].update(ProcessorConfig={"Mode": "DISTRIBUTED"}),
            "inline",
        ),
    ],
)
def test_an_asl_the_walk_cannot_count_is_refused(change: Any, message: str) -> None:
    definition = copy.deepcopy(rendered_asl())
    change(definition)

    with pytest.raises(ValueError, match=message):
        walk_asl(definition)


def test_the_printed_table_shows_the_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--customers", "100000", "--customers", "1M"]) == 0
    out = capsys.readouterr().out

    assert "one customer per Map iteration" in out
    assert "$0.025 per 1,000 state transitions" in out
    assert "free tier" in out
    rows = {
        tuple(line.split()[:2]): line.split()
        for line in out.splitlines()
        if line.split()[1:2] in (["chunked"], ["naive"])
    }
    assert rows[("100,000", "chunked")][2:7] == ["200", "203", "$0.0051", "$0.0609", "1,416"]
    assert rows[("100,000", "naive")][2:8] == ["100,000", "100,003", "$2.50", "$30.00", "700,016", "*"]
    assert rows[("1,000,000", "chunked")][2:7] == ["1,000", "1,003", "$0.0251", "$0.3009", "7,016"]
    assert rows[("1,000,000", "naive")][2:6] == ["1,000,000", "1,000,003", "$25.00", "$300.00"]
    assert "492.6x" in out
    assert "997.0x" in out
    assert "Distributed Map" in out
    assert "RecordFailedChunk" in out


def test_customer_counts_accept_lists_and_suffixes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--customers", "10k", "1,500", "--chunk-size", "250"]) == 0
    out = capsys.readouterr().out

    assert "250 customers per chunk" in out
    assert [line.split()[:4] for line in out.splitlines() if "chunked" in line.split()[1:2]] == [
        ["10,000", "chunked", "40", "43"],
        ["1,500", "chunked", "6", "9"],
    ]


@pytest.mark.parametrize("argv", [["--customers", "-5"], ["--customers", "1.5x"], ["--chunk-size", "0"]])
def test_bad_arguments_are_refused(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
