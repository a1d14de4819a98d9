"""The run summary adds up the chunk results, failed chunks included."""

from __future__ import annotations

from datetime import UTC, datetime

from shop_batch_worker.domain import summarise

STARTED = datetime(2025, 3, 1, 0, 0, tzinfo=UTC)
NOW = datetime(2025, 3, 1, 0, 2, 5, 500000, tzinfo=UTC)


def _chunk(segment: int, customers: int, silver: int, gold: int, bronze: int) -> dict[str, object]:
    return {
        "segment": segment,
        "customers": customers,
        "tier_changes": {"BRONZE": bronze, "SILVER": silver, "GOLD": gold, "PLATINUM": 0},
        "upgrades": silver + gold,
        "downgrades": bronze,
        "phase_seconds": {"read": 0.1, "compute": 0.0, "write": 0.2, "publish": 0.05},
    }


def test_summary_sums_chunks_and_lists_the_failed_ones() -> None:
    results = [
        _chunk(0, 10, silver=2, gold=1, bronze=0),
        {
            "failed": True,
            "segment": 2,
            "total_segments": 3,
            "error": "States.Timeout",
            "cause": "heartbeat missed",
        },
        _chunk(1, 12, silver=1, gold=0, bronze=3),
    ]
    summary = summarise("2025-03", STARTED, NOW, results)
    assert summary.model_dump() == {
        "as_of": "2025-03",
        "customers_processed": 22,
        "tier_changes": {"BRONZE": 3, "SILVER": 3, "GOLD": 1, "PLATINUM": 0},
        "upgrades": 4,
        "downgrades": 3,
        "chunks": 3,
        "failed_chunks": [{"segment": 2, "error": "States.Timeout"}],
        "duration_seconds": 125.5,
        "phase_seconds": {"read": 0.2, "compute": 0.0, "write": 0.4, "publish": 0.1},
    }


def test_a_run_where_every_chunk_failed() -> None:
    failed = [
        {"failed": True, "segment": n, "total_segments": 2, "error": "ConcurrentUpdate", "cause": "x"} for n in (1, 0)
    ]
    summary = summarise("2025-03", STARTED, NOW, failed)
    assert summary.customers_processed == 0
    assert summary.upgrades == summary.downgrades == 0
    assert [chunk.segment for chunk in summary.failed_chunks] == [0, 1]
    assert summary.chunks == 2


def test_no_chunks_is_an_empty_summary() -> None:
    summary = summarise("2025-03", STARTED, STARTED, [])
    assert (summary.chunks, summary.customers_processed, summary.duration_seconds) == (0, 0, 0.0)
