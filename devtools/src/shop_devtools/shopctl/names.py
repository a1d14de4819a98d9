"""Physical resource names of one deployment: the topology's keys under a prefix ("shop-" locally, "shop-<env>-")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from shop_shared.outbox import PENDING_INDEX
from shop_shared.topology import DeployedTopology, Topology

from shop_devtools.provisioning.logs import EVENT_LOG

from .exceptions import QueueNotFound

__all__ = ["DlqKind", "DlqRef", "ShopNames"]

# Where a dead letter comes from: a consumer's queue (SQS redrive), a rule's target (EventBridge could not
# deliver) or a schedule (Scheduler could not start its run). The last two exist on AWS only: LocalStack has
# no target DLQs and its scheduler never fires, so local provisioning does not create them.
DlqKind = Literal["queue", "rule-target", "schedule"]

# Suffixes of the Terraform modules (infra/terraform/modules/messaging and workflows).
TARGET_DLQ_SUFFIX = "-target-dlq"
SCHEDULE_DLQ_SUFFIX = "-schedule-dlq"
PAYMENTS_TABLE = "payments"
# The tables one order's story is read from (shopctl order), besides the payments table.
ORDERS_TABLE = "orders"
LEDGER_TABLE = "loyalty-ledger"
NOTIFICATIONS_TABLE = "notifications"


@dataclass(frozen=True)
class DlqRef:
    key: str  # the topology key it belongs to (queue, rule or schedule)
    name: str  # physical queue name
    kind: DlqKind
    source_queue: str | None  # physical name of the queue it is the DLQ of (kind "queue" only)


@dataclass(frozen=True)
class ShopNames:
    topology: Topology
    prefix: str

    @property
    def _deployed(self) -> DeployedTopology:
        return DeployedTopology(self.topology, self.prefix, arns={})

    def queues(self) -> dict[str, str]:
        """Consumer queues: topology key -> physical name."""
        return {key: self._deployed.name(key) for key in self.topology.queues}

    def dlqs(self) -> list[DlqRef]:
        refs = [
            DlqRef(key, self._deployed.dlq_name(key), "queue", self._deployed.name(key)) for key in self.topology.queues
        ]
        refs += [
            DlqRef(key, self._deployed.name(key + TARGET_DLQ_SUFFIX), "rule-target", None)
            for key in self.topology.rules
        ]
        refs += [
            DlqRef(key, self._deployed.name(key + SCHEDULE_DLQ_SUFFIX), "schedule", None)
            for key in self.topology.schedules
        ]
        return refs

    def outbox_tables(self) -> dict[str, str]:
        """Tables with the outbox's sparse `pending` index: key -> physical name."""
        return {
            key: self._deployed.name(key)
            for key, table in self.topology.tables.items()
            if key.endswith("-outbox") and PENDING_INDEX in table.indexes
        }

    @property
    def bus(self) -> str:
        return self._deployed.bus_name

    @property
    def archive(self) -> str:
        """The bus's archive: infra/terraform/modules/messaging names it after the bus."""
        return self._deployed.bus_name

    @property
    def event_log(self) -> str:
        """The local runtime's event log (a log group): provisioning/logs.py."""
        return self._deployed.name(EVENT_LOG)

    def rule(self, key: str) -> str:
        return self._deployed.name(key)

    def payments_table(self) -> str:
        return self._deployed.name(PAYMENTS_TABLE)

    def orders_table(self) -> str:
        return self._deployed.name(ORDERS_TABLE)

    def ledger_table(self) -> str:
        return self._deployed.name(LEDGER_TABLE)

    def notifications_table(self) -> str:
        return self._deployed.name(NOTIFICATIONS_TABLE)

    def state_machines(self) -> dict[str, str]:
        """State machines: key -> physical name (their ARNs are looked up by name)."""
        return {key: self._deployed.name(key) for key in self.topology.state_machines}

    def resolve_dlq(self, given: str) -> DlqRef:
        """A DLQ named by its physical name, its topology name ("loyalty-order-events-dlq") or its queue's key."""
        for ref in self.dlqs():
            unprefixed = ref.name.removeprefix(self.prefix)
            if given in {ref.name, unprefixed} or (ref.kind == "queue" and given == ref.key):
                return ref
        known = ", ".join(ref.name.removeprefix(self.prefix) for ref in self.dlqs())
        raise QueueNotFound(
            f"{given!r} is not a dead-letter queue of this topology (prefix {self.prefix!r}); known: {known}"
        )
