"""The outbox's health as CloudWatch Embedded Metric Format lines (stdout), dimensioned by {Outbox: table name}.

Each relay reports the shards it owns: the Sum of `OutboxBacklog` over the relays is the table's backlog, the
Maximum of `OutboxOldestEntryAge` its oldest waiting entry. Terraform alarms on both and on any parked entry.
"""

from __future__ import annotations

from shop_shared.observability.metrics import metrics_logger

__all__ = ["OutboxMetrics"]


class OutboxMetrics:
    def __init__(self, table_name: str) -> None:
        self._dimensions = {"Outbox": table_name}

    async def backlog(self, entries: int, oldest_age_seconds: float | None) -> None:
        logger = metrics_logger(self._dimensions)
        logger.put_metric("OutboxBacklog", entries, "Count")
        logger.put_metric("OutboxOldestEntryAge", oldest_age_seconds or 0.0, "Seconds")
        await logger.flush()

    async def parked(self) -> None:
        logger = metrics_logger(self._dimensions)
        logger.put_metric("OutboxEntriesParked", 1, "Count")
        await logger.flush()
